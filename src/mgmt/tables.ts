// What `outpost show …` prints without --json: aligned columns like `pmta show`, numbers to the
// right, a dash for nothing.
import type { Flow } from './traffic.js';
import type { GroupRow, JobRow, QueueRow } from './views/queues.js';
import type { StatusDocument } from './views/status.js';

type Cell = string | number | boolean | undefined;

const text = (cell: Cell) =>
  cell === undefined || cell === '' ? '-' : typeof cell === 'boolean' ? (cell ? 'yes' : 'no') : String(cell);

export function table(columns: string[], rows: Cell[][]): string {
  const cells = rows.map((row) => row.map(text));
  const numeric = columns.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns), ...cells.map(line)].join('\n');
}

function since(iso: string, now: string): string {
  let seconds = Math.max(0, Math.round((Date.parse(now) - Date.parse(iso)) / 1000));
  const d = Math.floor(seconds / 86400);
  seconds -= d * 86400;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds - h * 3600) / 60);
  return d > 0 ? `${d}d ${h}h ${m}m` : h > 0 ? `${h}h ${m}m` : `${m}m ${seconds % 60}s`;
}

export function statusTable({ mta, status }: StatusDocument): string {
  const t = status.traffic;
  const flow = (name: string, f: Flow): Cell[] => [
    name,
    f.in.rcp,
    f.in.msg,
    f.in.kb,
    f.out.rcp,
    f.out.msg,
    f.out.kb,
  ];
  const c = status.conn;
  const q = status.queue.smtp;
  return [
    `${mta.product.name} ${mta.product.version} on ${mta.fullHostName}: ${status.status}, up ${since(status.startupTime, status.timeNow)} (since ${status.startupTime})`,
    '',
    table(
      ['traffic', 'in rcpt', 'in msg', 'in kB', 'out rcpt', 'out msg', 'out kB'],
      [
        flow('last minute', t.lastMin),
        flow('last hour', t.lastHr),
        flow('top/minute', t.topPerMin),
        flow('top/hour', t.topPerHr),
        flow('total', t.total),
      ],
    ),
    '',
    table(
      ['connections', 'current', 'top', 'max'],
      [
        ['smtp in', c.smtpIn.cur, c.smtpIn.top, c.smtpIn.max],
        ['smtp out', c.smtpOut.cur, c.smtpOut.top, c.smtpOut.max],
      ],
    ),
    '',
    `queued: ${q.rcp} recipients, ${q.dom} domains, ${q.kb} kB`,
    `spool: ${status.spool.files.inUse} messages, ${status.spool.totalRcp} recipients`,
    `reports processed: ${status.bounceProcessed} bounce, ${status.feedbackLoopProcessed} feedback loop`,
  ].join('\n');
}

export function queuesTable(rows: QueueRow[]): string {
  return table(
    ['queue', 'rcpt', 'kB', 'conn', 'paused', 'mode', 'retry at', 'last error'],
    rows.map((r) => [r.queue, r.rcp, r.kb, r.conn, r.paused, r.mode, r.nextRetry, r.lastError]),
  );
}

export function domainsTable(rows: GroupRow[]): string {
  return table(
    ['domain', 'rcpt', 'kB', 'conn', 'last error'],
    rows.map((r) => [r.name, r.rcp, r.kb, r.conn, r.lastError]),
  );
}

export function vmtasTable(rows: Array<GroupRow & { domains: number; pctTotal: number }>): string {
  return table(
    ['vmta', 'domains', 'rcpt', '% total', 'kB', 'conn'],
    rows.map((r) => [r.name, r.domains, r.rcp, r.pctTotal, r.kb, r.conn]),
  );
}

export function jobsTable(rows: JobRow[]): string {
  return table(
    ['job', 'rcpt', 'msg', 'kB', 'paused'],
    rows.map((r) => [r.jobId, r.rcp, r.msg, r.kb, r.paused]),
  );
}

/** `show settings`: one `name value` line per setting, the VirtualMTA's after the queue's. */
export function settingsTable(data: {
  queue: string;
  domain: Record<string, unknown>;
  vmta?: Record<string, unknown>;
}): string {
  const lines = (title: string, settings: Record<string, unknown>) => [
    title,
    ...Object.entries(settings).map(
      ([name, value]) => `  ${name.padEnd(36)} ${typeof value === 'string' ? value : JSON.stringify(value)}`,
    ),
  ];
  return [
    ...lines(`<domain> settings of ${data.queue}`, data.domain),
    ...(data.vmta ? ['', ...lines('<virtual-mta> settings', data.vmta)] : []),
  ].join('\n');
}
