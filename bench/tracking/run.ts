// bench/tracking: wrk against Outpost's tracking endpoint (the Signals server with its embedded
// DuckDB store: every hit journaled, enriched and stored as an event) and against nginx serving the
// same GIF and redirect, in the same run. Both servers
// are pinned to CPU 0 and wrk to CPU 1, so each server has exactly one core. Requests use 10,000
// different tokens (one per recipient), as real traffic does. Then the rewrite cost per recipient of
// a 100 kB HTML newsletter, pinned to CPU 0.
// Run: flock /tmp/outpost-heavy.lock npx tsx bench/tracking/run.ts [--seconds S] [--connections C]
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dayNumber, signToken, TrackingKey } from '../../src/tracking/token.js';
import { option, pinned } from '../connector/util.js';
import { recordResult } from '../lib/results.js';
import { startNginx } from './nginx.js';

const SECONDS = option('--seconds', 10);
const CONNECTIONS = option('--connections', 64);
const API_KEY = 'b'.repeat(40);
const CUSTOMER = 7;
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const tsx = (file: string, ...args: string[]) => [process.execPath, '--import', 'tsx', here(file), ...args];

/** A wrk script that walks through request paths from a file, one per line, formatted up front. */
const WRK_PATHS = `
local requests = {}
local i = 0
init = function(args)
  for line in io.lines(args[1]) do requests[#requests + 1] = wrk.format("GET", line) end
end
request = function()
  i = i + 1
  if i > #requests then i = 1 end
  return requests[i]
end
`;

function writePaths(dir: string): { pixels: string; clicks: string } {
  const key = new TrackingKey(API_KEY);
  const issueDay = dayNumber(Date.now());
  const pixels: string[] = [];
  const clicks: string[] = [];
  for (let i = 0; i < 10_000; i++) {
    const claims = {
      customerId: CUSTOMER,
      messageId: '0000aabbccdd11223344',
      rcpt: `reader${i}@example.org`,
      issueDay,
    };
    pixels.push(`/o/${signToken(key, { ...claims, kind: i % 2 ? 'open' : 'initial_open' })}`);
    const url = `https://shop.example.com/p/${i % 50}?utm_source=newsletter&utm_medium=email`;
    clicks.push(`/c/${signToken(key, { ...claims, kind: 'click', url })}`);
  }
  writeFileSync(join(dir, 'pixels.txt'), `${pixels.join('\n')}\n`);
  writeFileSync(join(dir, 'clicks.txt'), `${clicks.join('\n')}\n`);
  writeFileSync(join(dir, 'paths.lua'), WRK_PATHS);
  return { pixels: join(dir, 'pixels.txt'), clicks: join(dir, 'clicks.txt') };
}

interface WrkResult {
  rps: number;
  requests: number;
  bad: number;
}

function wrk(port: number, paths: string, dir: string, seconds: number): WrkResult {
  const command = pinned(1, [
    'wrk', '-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '-s', join(dir, 'paths.lua'),
    `http://127.0.0.1:${port}`, '--', paths,
  ]); // biome-ignore format: one command line
  const out = execFileSync(command[0]!, command.slice(1), { encoding: 'utf8' });
  const number = (pattern: RegExp) => Number(pattern.exec(out)?.[1] ?? 0);
  return {
    rps: number(/Requests\/sec:\s+([\d.]+)/),
    requests: number(/(\d+) requests in/),
    bad: number(/Non-2xx or 3xx responses: (\d+)/) + number(/Socket errors: .*?timeout (\d+)/),
  };
}

async function startOutpost(dir: string): Promise<{ child: ChildProcess; port: number }> {
  const storeDir = join(dir, 'store');
  mkdirSync(storeDir);
  const [cmd, ...args] = pinned(0, tsx('./server.ts', API_KEY, String(CUSTOMER), storeDir));
  const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (data: Buffer) => resolve(Number(String(data).trim())));
    child.once('exit', (code) => reject(new Error(`tracking server exited (${code})`)));
  });
  return { child, port };
}

async function stored(port: number): Promise<number> {
  return ((await (await fetch(`http://127.0.0.1:${port}/bench/stats`)).json()) as { stored: number }).stored;
}

function rewriteCost(): string {
  const command = pinned(0, tsx('./rewrite-cost.ts'));
  return execFileSync(command[0]!, command.slice(1), { encoding: 'utf8' }).trim();
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-tracking-'));
  const children: ChildProcess[] = [];
  try {
    const paths = writePaths(dir);
    const outpost = await startOutpost(dir);
    children.push(outpost.child);
    const nginxDir = join(dir, 'nginx');
    mkdirSync(nginxDir);
    const nginx = await startNginx(nginxDir, 0);
    children.push(nginx.child);

    const rows: string[] = [];
    for (const [name, file] of [
      ['pixel', paths.pixels],
      ['click', paths.clicks],
    ] as const) {
      wrk(outpost.port, file, dir, 2); // warm-up: JIT, connections
      wrk(nginx.port, file, dir, 2);
      const before = await stored(outpost.port);
      const ours = wrk(outpost.port, file, dir, SECONDS);
      const recorded = (await stored(outpost.port)) - before;
      const peer = wrk(nginx.port, file, dir, SECONDS);
      if (ours.bad || peer.bad)
        throw new Error(`errors in the ${name} run: outpost ${ours.bad}, nginx ${peer.bad}`);
      // wrk counts the responses it saw in its window; requests still in flight at the end were
      // answered (and recorded) too, one per connection at most.
      if (recorded < ours.requests || recorded > ours.requests + CONNECTIONS)
        throw new Error(`${name}: ${ours.requests} requests answered but ${recorded} events stored`);
      recordResult({
        bench: 'tracking',
        figure: `${name} hits served and stored`,
        unit: 'req/s',
        outpost: ours.rps,
        peer: peer.rps,
        peerName: `nginx, static ${name === 'pixel' ? 'GIF' : '302'}`,
        better: 'higher',
        target: name === 'pixel' ? 10_000 : undefined,
      });
      rows.push(
        `| ${name} | ${fmt(ours.rps)} req/s (${fmt(recorded / SECONDS)} events/s recorded) | ${fmt(peer.rps)} req/s | ${(ours.rps / peer.rps).toFixed(2)} |`,
      );
    }
    console.log(
      `wrk -t1 -c${CONNECTIONS} -d${SECONDS}s, 10,000 distinct tokens; servers on CPU 0, wrk on CPU 1\n`,
    );
    console.log('| endpoint | Outpost (events stored) | nginx, same GIF / 302 | ratio |');
    console.log('|---|---|---|---|');
    for (const row of rows) console.log(row);
    console.log(`\n${rewriteCost()}`);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
