// The web monitor (GET /ui): one server-rendered page with what PowerMTA's monitor front page
// shows at a glance (traffic, connections, spool, the biggest queues, VirtualMTAs and jobs),
// refreshing itself every 10 seconds. No script and no external asset, so it works on an
// air-gapped host. Everything dynamic is HTML-escaped.

import { escapeMarkup } from './envelope.js';
import { views } from './operations.js';
import type { RuntimeParts } from './parts.js';
import type { TrafficMeter } from './traffic.js';
import { type ConnectionTops, statusDocument } from './views/status.js';

function table(title: string, columns: string[], rows: unknown[][]): string {
  const head = columns.map((c) => `<th>${escapeMarkup(c)}</th>`).join('');
  const body = rows.length
    ? rows.map((r) => `<tr>${r.map((v) => `<td>${escapeMarkup(v)}</td>`).join('')}</tr>`).join('')
    : `<tr><td colspan="${columns.length}">none</td></tr>`;
  return `<h2>${escapeMarkup(title)}</h2><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

export function renderMonitor(parts: RuntimeParts, meter: TrafficMeter, tops: ConnectionTops): string {
  const { mta, status } = statusDocument(parts, meter, tops);
  const top = { maxitems: 20, sort: 'rcpt' as const };
  const queues = views.queues(parts, {}, top).queues;
  const vmtas = views.vmtas(parts, top).vmtas;
  const jobs = views.jobs(parts, top).jobs;
  const t = status.traffic;
  const summary = table(
    'Status',
    ['', 'in (rcpt)', 'out (rcpt)', 'in (msg)', 'out (msg)'],
    [
      ['last minute', t.lastMin.in.rcp, t.lastMin.out.rcp, t.lastMin.in.msg, t.lastMin.out.msg],
      ['last hour', t.lastHr.in.rcp, t.lastHr.out.rcp, t.lastHr.in.msg, t.lastHr.out.msg],
      ['since start', t.total.in.rcp, t.total.out.rcp, t.total.in.msg, t.total.out.msg],
    ],
  );
  const c = status.conn;
  const connections = table(
    'Connections and spool',
    ['', 'current', 'top', 'max'],
    [
      ['SMTP in', c.smtpIn.cur, c.smtpIn.top, c.smtpIn.max],
      ['SMTP out', c.smtpOut.cur, c.smtpOut.top, c.smtpOut.max],
      ['queued recipients', status.queue.smtp.rcp, '', ''],
      ['spool messages', status.spool.files.inUse, '', ''],
    ],
  );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="10">
<title>Outpost monitor: ${escapeMarkup(mta.fullHostName)}</title>
<style>body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;margin-bottom:1em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}th:first-child,td:first-child{text-align:left}
h1{font-size:1.3em}h2{font-size:1.05em;margin-top:1.2em}.muted{color:#777}</style></head><body>
<h1>Outpost ${escapeMarkup(mta.product.version)} on ${escapeMarkup(mta.fullHostName)}</h1>
<p class="muted">${escapeMarkup(status.status)} · started ${escapeMarkup(status.startupTime)} · ${escapeMarkup(status.timeNow)}</p>
${summary}${connections}
${table(
  'Top queues',
  ['queue', 'rcpt', 'kB', 'conn', 'paused', 'mode', 'retry', 'last error'],
  queues.map((q) => [
    q.queue,
    q.rcp,
    q.kb,
    q.conn,
    q.paused ? 'yes' : 'no',
    q.mode,
    q.nextRetry ?? '',
    q.lastError ?? '',
  ]),
)}
${table(
  'VirtualMTAs',
  ['name', 'domains', 'rcpt', '% total', 'kB', 'conn'],
  vmtas.map((v) => [v.name, v.domains, v.rcp, v.pctTotal, v.kb, v.conn]),
)}
${table(
  'Jobs',
  ['job', 'rcpt', 'msg', 'kB', 'paused'],
  jobs.map((j) => [j.jobId, j.rcp, j.msg, j.kb, j.paused ? 'yes' : 'no']),
)}
</body></html>
`;
}
