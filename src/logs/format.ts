// The operator's log in PowerMTA's shape: one line per event, local time first, then the message
// (`2024-05-03 14:02:11 smtp listener on 0.0.0.0:25`). Warnings and errors say so after the time;
// the structured fields pino carries follow the message in brackets, so nothing is lost when the
// text form is chosen. `<outpost> log-format json` keeps pino's JSON lines instead.

const LEVELS: Record<number, string> = { 40: 'warning: ', 50: 'error: ', 60: 'fatal: ' };
/** Fields the line shows in its own place, or that say nothing to an operator. */
const SHOWN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'component']);

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export function localTime(ms: number): string {
  const d = new Date(ms);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

function fieldText(value: unknown): string {
  if (value && typeof value === 'object') {
    const error = value as { message?: unknown; code?: unknown };
    if (typeof error.message === 'string')
      return JSON.stringify(error.code ? `${error.code}: ${error.message}` : error.message);
    return JSON.stringify(value);
  }
  const text = String(value);
  return /[\s"=,\]]/.test(text) || text === '' ? JSON.stringify(text) : text;
}

/** One pino JSON line as a PowerMTA-style text line (with its newline). Unparseable input passes through. */
export function textLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const time = typeof record.time === 'number' ? record.time : Date.now();
  const level = LEVELS[Number(record.level)] ?? '';
  const msg = typeof record.msg === 'string' ? record.msg : '';
  const fields = Object.entries(record)
    .filter(([key, value]) => !SHOWN.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${fieldText(value)}`);
  const component = typeof record.component === 'string' ? `${record.component}: ` : '';
  const prefix = component && msg.startsWith(component) ? '' : component;
  return `${localTime(time)} ${level}${prefix}${msg}${fields.length ? ` [${fields.join(', ')}]` : ''}\n`;
}
