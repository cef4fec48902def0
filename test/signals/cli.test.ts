// `outpost signals --config FILE` runs the Signals server alone, as a separate machine would.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir, writeFiles } from '../helpers/tmp.js';
import { gzipLines, ingestLine } from './fixtures.js';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

it('outpost signals --config FILE serves the ingest API until SIGTERM', async (t) => {
  const dir = tempDir(t);
  writeFiles(dir, {
    'outpost.config': [
      '<outpost>',
      '    data-dir data',
      '</outpost>',
      '<signals-server>',
      '    listen 127.0.0.1:0',
      '    storage duckdb',
      '    customer-id 7',
      '    api-key cli-test-key-000000000001 events/ingest',
      '</signals-server>',
      '',
    ].join('\n'),
  });
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CLI, 'signals', '--config', join(dir, 'outpost.config')],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /signals server listening on (http:\/\/[\d.]+:\d+)/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  const response = await fetch(`${url}/api/v1/ingest/events`, {
    method: 'POST',
    headers: { authorization: 'cli-test-key-000000000001', 'content-encoding': 'gzip' },
    body: gzipLines([ingestLine({ timestamp: String(Math.floor(Date.now() / 1000)) })]),
  });
  assert.equal(response.status, 200);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});

it('outpost signals refuses a configuration without <signals-server>', async (t) => {
  const dir = tempDir(t);
  writeFiles(dir, { 'plain.config': 'host-name mta.example\n' });
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CLI, 'signals', '--config', join(dir, 'plain.config')],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 1);
  assert.match(stderr, /no <signals-server> block/);
});
