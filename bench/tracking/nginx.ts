// The peer: nginx (Debian nginx-light) serving the same 42-byte GIF from a file for /o/ and a 302
// for /c/, one worker process pinned to the same CPU as Outpost's server, access log off. It runs
// from a temporary prefix on a loopback port and is stopped by PID.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PIXEL_GIF } from '../../src/tracking/endpoint/routes.js';
import { pinned } from '../connector/util.js';
import { freePort } from '../lib/net.js';

export async function startNginx(dir: string, cpu: number): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  // nginx's worker runs as an unprivileged user: it must be able to reach the GIF.
  for (let path = dir; path !== dirname(path) && path.startsWith(tmpdir()); path = dirname(path))
    chmodSync(path, 0o755);
  writeFileSync(join(dir, 'pixel.gif'), PIXEL_GIF, { mode: 0o644 });
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    location ~ ^/o/ {
      alias ${dir}/pixel.gif;
      default_type image/gif;
      add_header Cache-Control "no-store, no-cache, must-revalidate, max-age=0";
    }
    location /c/ { add_header Cache-Control no-store; return 302 https://shop.example.com/p/1; }
  }
}
`,
  );
  const [cmd, ...args] = pinned(cpu, ['nginx', '-p', dir, '-c', join(dir, 'nginx.conf')]);
  const child = spawn(cmd!, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/o/x`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { child, port };
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error('nginx did not start');
}
