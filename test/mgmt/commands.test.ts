// Every `outpost` management command against a running instance: Outpost runs in this process on
// loopback ephemeral ports with a real spool and Postfix's smtp-sink as the receiving MX, swaks
// injects, and the CLI runs as its own process, finding the port through the configuration.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startSmtpSink } from '../helpers/smtp-sink.js';
import { waitFor } from '../helpers/wait.js';
import { baseConfig, type Instance, startInstance } from './helpers.js';

const exec = promisify(execFile);

async function inject(port: number, to: string, job: string): Promise<void> {
  await exec('swaks', [
    '--server',
    `127.0.0.1:${port}`,
    '--from',
    'news@ops.test',
    '--to',
    to,
    '--add-header',
    `X-Job: ${job}`,
  ]);
}

const json = async (o: Instance, args: string[]) => {
  const result = await o.cli([...args, '--json']);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
};

describe('management commands against a running Outpost', () => {
  it('shows, pauses, resumes, schedules, deletes, rotates and reloads', async (t) => {
    const sink = await startSmtpSink(t);
    const o = await startInstance(t, (dir) =>
      baseConfig(
        dir,
        sink.port,
        `<domain held.test>\n  smtp-hosts [127.0.0.1]:1\n</domain>\n<acct-file ${dir}/acct/acct.csv>\n  records r,d,b\n</acct-file>\nhttp-access 127.0.0.1 admin\n`,
      ),
    );
    await inject(o.smtpPort, 'a@held.test', 'spring');
    await inject(o.smtpPort, 'b@held.test', 'spring');
    await inject(o.smtpPort, 'c@held.test', 'autumn');
    await inject(o.smtpPort, 'd@example.test', 'spring');
    await waitFor(() => o.events.some((e) => e.type === 'delivery'), 'the example.test delivery');
    await waitFor(() => o.events.some((e) => e.type === 'transient-queue'), 'the held.test failure');

    const [statusText, status, queues, top, domains, vmtas, jobs] = await Promise.all([
      o.cli(['show', 'status']),
      json(o, ['show', 'status']),
      json(o, ['show', 'queues']),
      o.cli(['show', 'topqueues']),
      json(o, ['show', 'topdomains']),
      json(o, ['show', 'vmtas']),
      json(o, ['show', 'jobs']),
    ]);
    assert.equal(statusText.code, 0, statusText.stderr);
    assert.match(statusText.stdout, /^Outpost \S+ on mta\.ops\.test: running/);
    assert.match(statusText.stdout, /^total\s+4\s+4\s+\d+\s+1\s+1\s+\d+$/m, statusText.stdout);
    assert.equal(status.status.traffic.total.in.rcp, 4);
    assert.equal(status.status.traffic.total.out.rcp, 1);
    assert.deepEqual(status.status.queue.smtp, { rcp: 3, dom: 1, kb: status.status.queue.smtp.kb });
    assert.equal(status.status.conn.smtpIn.max, 100);
    assert.equal(status.status.spool.totalRcp, 3);
    assert.equal(status.status.shuttingDown, false);

    const held = queues.queues.find((q: { queue: string }) => q.queue === 'held.test/{default}');
    assert.equal(held.rcp, 3);
    assert.equal(held.retry, true);
    assert.match(held.lastError, /ECONNREFUSED/);
    assert.match(top.stdout, /^queue\s+rcpt\s+kB\s+conn\s+paused\s+mode/m);
    assert.match(top.stdout, /^held\.test\/\{default\}\s+3\s+\d+\s+0\s+no\s+normal/m);
    assert.equal(domains.domains[0].name, 'held.test');
    assert.deepEqual(
      vmtas.vmtas.map((v: { name: string; rcp: number }) => [v.name, v.rcp]),
      [
        ['{default}', 3],
        ['v1', 0],
      ],
    );
    assert.deepEqual(
      jobs.jobs.map((j: { jobId: string; rcp: number }) => [j.jobId, j.rcp]),
      [
        ['spring', 2],
        ['autumn', 1],
      ],
    );

    const settings = await o.cli(['show', 'settings', 'held.test/v1']);
    assert.match(settings.stdout, /^ {2}retry-after\s+\[3600\]$/m);
    assert.match(settings.stdout, /^<virtual-mta> settings$/m);
    const noVmta = await o.cli(['show', 'settings', 'held.test/nope']);
    assert.equal(noVmta.code, 1);
    assert.match(noVmta.stderr, /no VirtualMTA named nope/);

    // pause and resume a queue, then a job
    assert.equal((await o.cli(['pause', 'queue', 'held.test'])).stdout.trim(), 'paused 1 queue(s).');
    assert.equal((await json(o, ['show', 'queues', 'held.test'])).queues[0].paused, true);
    assert.equal((await o.cli(['resume', 'queue', 'held.test'])).stdout.trim(), 'resumed 1 queue(s).');
    assert.equal((await o.cli(['pause', 'job', 'spring'])).stdout.trim(), 'paused job.');
    const paused = (await json(o, ['show', 'jobs'])).jobs.find(
      (j: { jobId: string }) => j.jobId === 'spring',
    );
    assert.equal(paused.paused, true);
    assert.equal((await o.cli(['resume', 'job', 'spring'])).stdout.trim(), 'resumed job.');

    // schedule: the queue leaves retry mode and tries again now
    const failures = () => o.events.filter((e) => e.type === 'transient-queue').length;
    const before = failures();
    assert.equal((await o.cli(['schedule', 'held.test'])).stdout.trim(), 'scheduled 1 queue(s).');
    await waitFor(() => failures() > before, 'a new attempt after schedule');

    // delete by job: recorded as deleted by administrator, gone from the queues and the spool
    const refused = await o.cli(['delete']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /delete needs --queue or --jobId/);
    assert.equal((await o.cli(['delete', '--jobId', 'autumn'])).stdout.trim(), 'deleted 1 recipient(s).');
    const deleted = o.events.find((e) => e.type === 'bounce' && e.rcpt === 'c@held.test');
    assert.equal(deleted?.dsnDiag, 'x-pmta;deleted by administrator');
    assert.equal(deleted?.queue, 'held.test/{default}');
    assert.equal((await json(o, ['show', 'status'])).status.spool.totalRcp, 2);

    assert.equal((await o.cli(['rotate', 'acct'])).stdout.trim(), 'rotated acct.');
    assert.equal(readdirSync(join(o.dir, 'acct')).length, 2);
    const noLog = await o.cli(['rotate', 'log']);
    assert.equal(noLog.code, 1);
    assert.match(noLog.stderr, /no log-file is configured/);
    const reload = await o.cli(['reload']);
    assert.equal(reload.code, 0, reload.stderr);
    assert.match(reload.stdout, /configuration reloaded\./);
  });

  it('refuses malformed arguments without changing anything, and answers XML and HTML too', async (t) => {
    const o = await startInstance(t, (dir) => baseConfig(dir, 1, 'http-access 127.0.0.1 admin\n'));
    const bad = await o.cli(['pause', 'queue', 'no spaces/here!']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /expected DOMAIN\[\/VMTA\]/);
    const badJob = await o.cli(['pause', 'job', 'two words']);
    assert.equal(badJob.code, 1);
    assert.deepEqual((await json(o, ['show', 'jobs'])).jobs, []);
    const badSort = await fetch(`${o.url}/queues?sort=sideways`);
    assert.equal(badSort.status, 400);
    assert.deepEqual(await badSort.json(), {
      data: {},
      status: 'error',
      message: 'sort: Invalid option: expected one of "name"|"rcpt"|"size"',
    });

    await exec('swaks', [
      '--server',
      `127.0.0.1:${o.smtpPort}`,
      '--from',
      'a@ops.test',
      '--to',
      'x@far.test',
    ]);
    await waitFor(() => o.events.some((e) => e.type === 'transient-queue'), 'a failed attempt');
    const xml = await (await fetch(`${o.url}/domains?format=xml`)).text();
    assert.match(xml, /<rsp><data><domains><domain><name>far\.test<\/name><rcp>1<\/rcp>/);
    assert.match(xml, /<succ\/><\/rsp>/);
    const html = await (await fetch(`${o.url}/ui`)).text();
    assert.match(html, /<td>far\.test\/\{default\}<\/td><td>1<\/td>/);
    const root = await fetch(`${o.url}/`, { redirect: 'manual' });
    assert.equal(root.headers.get('location'), '/ui');
  });
});
