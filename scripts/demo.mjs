#!/usr/bin/env node
// `npm run demo`: Outpost with its default configuration (MTA + Signals server + dashboard in one
// process, on loopback), the mailbox-provider sink (`outpost sink`, docs/sink.md) as every
// recipient's MX, and a few thousand messages across campaigns, pools, subaccounts and providers.
// Prints the dashboard URL and API key, waits until every report has data, and runs until Ctrl-C.
//
//   npm run demo -- --messages 5000 --seed 1 --keep-data --check
//
// --check: exit (0 when every report filled in, 1 otherwise) instead of running on; for tests.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { outpostConfig, sinkConfig } from './demo/config.mjs';
import { CHECKS, runChecks } from './demo/reports.mjs';
import { CAMPAIGNS, inject } from './demo/traffic.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const API_KEY = 'outpost-local-development-key-0001';
const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '5000' },
    seed: { type: 'string', default: '1' },
    'keep-data': { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
    timeout: { type: 'string', default: '300' },
  },
});

/** The port `preferred` when it is free on 127.0.0.1, else any free one. */
async function port(preferred) {
  const tryListen = (p) =>
    new Promise((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(undefined));
      server.listen(p, '127.0.0.1', () => {
        const { port: got } = server.address();
        server.close(() => resolve(got));
      });
    });
  return (await tryListen(preferred)) ?? tryListen(0);
}

const children = [];

/** Runs the outpost CLI from source (tsx) in its own process group, so Ctrl-C reaches only us. */
function outpost(name, cliArgs, ready) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli.ts'), ...cliArgs], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push({ name, child });
  let output = '';
  const started = new Promise((resolve, reject) => {
    const look = (chunk) => {
      output += chunk;
      if (ready.test(output)) resolve();
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.once('exit', (code) =>
      reject(new Error(`${name} exited (${code}) before it was ready:\n${output.slice(-2000)}`)),
    );
  });
  child.stdout.on('data', () => {});
  child.stderr.on('data', () => {});
  return started;
}

async function waitForHttp(url) {
  for (let i = 0; i < 600; i++) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`${url} did not answer`);
}

let stopping;
function stopAll(dataDir) {
  stopping ??= (async () => {
    await Promise.all(
      children.map(
        ({ child }) =>
          new Promise((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', resolve);
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
          }),
      ),
    );
    if (!args['keep-data']) rmSync(dataDir, { recursive: true, force: true });
  })();
  return stopping;
}

async function main() {
  const count = Number(args.messages);
  const seed = Number(args.seed);
  const dataDir = mkdtempSync(join(tmpdir(), 'outpost-demo-'));
  process.once(
    'SIGINT',
    () => void stopAll(dataDir).then(() => console.log('\nstopped: Outpost and the sink are down.')),
  );
  process.once('SIGTERM', () => void stopAll(dataDir));
  const ports = {
    inject: await port(2587),
    bounce: await port(2525),
    mgmt: await port(8081),
    signals: await port(8090),
    sink: await port(2526),
  };
  const configFile = join(dataDir, 'demo.config');
  writeFileSync(configFile, outpostConfig(join(ROOT, 'config/outpost.config'), { ports, dataDir }));
  const defaults = JSON.parse(await sinkDefaultsFromCli());
  const sinkFile = join(dataDir, 'sink.json');
  writeFileSync(sinkFile, JSON.stringify(sinkConfig(defaults, { ports, seed }), null, 2));

  console.log(`Outpost demo: data in ${dataDir}${args['keep-data'] ? ' (kept)' : ' (removed at exit)'}`);
  await Promise.all([
    outpost('sink', ['sink', '--config', sinkFile, '--listen', `127.0.0.1:${ports.sink}`], /sink listening/),
    outpost('outpost', ['start', '--config', configFile], /Outpost starting/),
  ]);
  const base = `http://127.0.0.1:${ports.signals}`;
  await waitForHttp(`${base}/dashboard/`);
  await waitForPort(ports.inject);
  console.log(
    `sink (mailbox providers) on 127.0.0.1:${ports.sink}; Outpost injection on 127.0.0.1:${ports.inject}`,
  );
  const from = new Date(Date.now() - 3600_000).toISOString().slice(0, 16);
  console.log(`injecting ${count} messages: ${CAMPAIGNS.map((c) => c.job).join(', ')}`);
  const started = Date.now();
  const result = await inject({
    port: ports.inject,
    count,
    seed,
    progress: (sent) => {
      if (process.stdout.isTTY) process.stdout.write(`\r  injected ${sent}/${count}`);
    },
  });
  const seconds = (Date.now() - started) / 1000;
  console.log(
    `\r  injected ${result.sent}/${count} in ${seconds.toFixed(1)} s (${Math.round(result.sent / seconds)} msg/s)`,
  );
  if (result.failed) console.log(`  ${result.failed} failed: ${result.firstError?.message}`);

  console.log(`\nDashboard: ${base}/dashboard/\nAPI key:   ${API_KEY}\n`);
  console.log('Deliveries, deferrals, bounces, complaints, opens and clicks arrive over the next minutes:');
  const ok = await waitForReports(base, from, Number(args.timeout) * 1000);
  if (args.check) {
    const stopStart = Date.now();
    await stopAll(dataDir);
    console.log(`stopped in ${((Date.now() - stopStart) / 1000).toFixed(1)} s`);
    process.exitCode = ok ? 0 : 1;
    return;
  }
  console.log(
    `\n${ok ? 'Every report has data.' : 'Some reports are still empty (see above).'} Press Ctrl-C to stop.`,
  );
}

async function waitForPort(p) {
  const { connect } = await import('node:net');
  for (let i = 0; i < 600; i++) {
    const up = await new Promise((resolve) => {
      const socket = connect(p, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`port ${p} did not open`);
}

async function sinkDefaultsFromCli() {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'src/cli.ts'), 'sink', '--print-defaults'],
    { cwd: ROOT },
  );
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  await new Promise((resolve) => child.once('exit', resolve));
  return out;
}

async function waitForReports(base, from, timeoutMs) {
  const startedAt = Date.now();
  const deadline = startedAt + timeoutMs;
  const done = new Set();
  for (;;) {
    const results = await runChecks(base, API_KEY, from);
    for (const [name, { ok, seen }] of Object.entries(results)) {
      if (ok && !done.has(name)) {
        done.add(name);
        console.log(`  ✓ ${name} (${Math.round((Date.now() - startedAt) / 1000)} s)`);
      }
      if (!ok && Date.now() > deadline) console.log(`  ✗ ${name}: ${seen}`);
    }
    if (done.size === CHECKS.length) return true;
    if (Date.now() > deadline || stopping) return false;
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
}

main().catch(async (error) => {
  console.error(error.message ?? error);
  process.exitCode = 1;
  for (const { child } of children) child.kill('SIGTERM');
});
