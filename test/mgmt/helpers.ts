// A running Outpost for the management tests: the configuration is a real file (reload reads it
// again), everything binds 127.0.0.1:0, and the CLI runs as a separate process against it, as an
// operator would run it. runCli is asynchronous: the server lives in this process and must keep
// answering while the CLI waits.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { hasErrors, loadConfigFile } from '../../src/config/index.js';
import type { OutpostEvent } from '../../src/events/index.js';
import { type Runtime, startOutpost } from '../../src/main.js';
import type { MgmtService } from '../../src/mgmt/service.js';
import type { SmtpService } from '../../src/smtp/service.js';
import { type CapturedLog, captureLogger } from '../helpers/log.js';
import { tempDir } from '../helpers/tmp.js';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

export interface Instance {
  dir: string;
  configFile: string;
  runtime: Runtime;
  smtpPort: number;
  /** Management URL (the real port). */
  url: string;
  events: OutpostEvent[];
  log: CapturedLog;
  cli(args: string[]): Promise<CliResult>;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CLI, ...args],
      { env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The body of a configuration: loopback listeners, data in DIR/data, mail to `sinkPort`. */
export function baseConfig(dir: string, sinkPort: number, extra = ''): string {
  return `<outpost>
  data-dir ${dir}/data
  http-mgmt-listen 127.0.0.1:0
</outpost>
host-name mta.ops.test
smtp-listener 127.0.0.1:0
<source 127.0.0.1>
  always-allow-relaying yes
  process-x-job yes
</source>
<virtual-mta v1>
  smtp-source-host 127.0.0.1 v1.ops.test
</virtual-mta>
<domain *>
  smtp-hosts [127.0.0.1]:${sinkPort}
  retry-after 1h
</domain>
${extra}
`;
}

export async function startInstance(t: TestContext, configText: (dir: string) => string): Promise<Instance> {
  const dir = tempDir(t, 'outpost-mgmt-');
  const configFile = join(dir, 'outpost.config');
  writeFileSync(configFile, configText(dir));
  const { config, diagnostics } = loadConfigFile(configFile);
  assert.ok(!hasErrors(diagnostics), JSON.stringify(diagnostics.filter((d) => d.severity === 'error')));
  const log = captureLogger('info');
  const runtime = await startOutpost(config, { log: log.log });
  t.after(() => runtime.stop());
  const events: OutpostEvent[] = [];
  runtime.bus.subscribe((e) => events.push(e));
  const smtp = runtime.services.find((s) => s.name === 'smtp') as SmtpService;
  const mgmt = runtime.services.find((s) => s.name === 'mgmt') as MgmtService;
  return {
    dir,
    configFile,
    runtime,
    smtpPort: smtp.addresses()[0]!.port,
    url: mgmt.urls[0] ?? '',
    events,
    log,
    cli: (args) => runCli([...args, '--config', configFile]),
  };
}

export interface Child {
  child: ChildProcess;
  smtpPort: number;
  /** Log lines so far (stderr, or nothing when the configuration has a log-file). */
  log: string[];
  exited: Promise<number | null>;
}

/** Runs `outpost start --config FILE` as its own process; resolves once its listener logs its port. */
export function startChild(configFile: string, logFile?: string): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'start', '--config', configFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const log: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let pending = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => {
    pending += text;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    log.push(...lines);
  });
  const lines = () => (logFile && existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n') : log);
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const listening = lines()
        .map((l) => /smtp listener on 127\.0\.0\.1:(\d+)/.exec(l))
        .find(Boolean);
      if (listening) {
        clearInterval(timer);
        resolve({ child, smtpPort: Number(listening[1]), log, exited });
      }
    }, 20);
    void exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`outpost exited (${code}):\n${lines().join('\n')}${pending}`));
    });
  });
}
