// PowerMTA's response envelopes (reference powermta.md §5.6): JSON `{"data":…,"status":"success",
// "message":""}` and, with `?format=xml`, `<rsp><data>…</data><succ/></rsp>` (`<err>` on failure).
// Arrays become repeated elements named after the list (`queues` → `<queue>`), so monitoring
// scripts can read `//domain/name` as they do from PowerMTA.

export interface Envelope {
  data: unknown;
  status: 'success' | 'error';
  message: string;
}

export const success = (data: unknown, message = ''): Envelope => ({ data, status: 'success', message });
export const failure = (message: string, data: unknown = {}): Envelope => ({
  data,
  status: 'error',
  message,
});

/** Escapes text for XML and HTML alike. */
export const escapeMarkup = (value: unknown) =>
  String(value ?? '').replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

const singular = (name: string) =>
  name.endsWith('ies') ? `${name.slice(0, -3)}y` : name.endsWith('s') ? name.slice(0, -1) : 'item';

const tag = (name: string) => (/^[A-Za-z_][\w.-]*$/.test(name) ? name : 'item');

function toXml(name: string, value: unknown): string {
  const t = tag(name);
  if (value === undefined || value === null) return `<${t}/>`;
  if (Array.isArray(value)) return `<${t}>${value.map((v) => toXml(singular(name), v)).join('')}</${t}>`;
  if (typeof value === 'object') {
    const inner = Object.entries(value)
      .map(([k, v]) => toXml(k, v))
      .join('');
    return `<${t}>${inner}</${t}>`;
  }
  return `<${t}>${escapeMarkup(String(value))}</${t}>`;
}

export function xmlEnvelope(envelope: Envelope): string {
  const end = envelope.status === 'success' ? '<succ/>' : `<err>${escapeMarkup(envelope.message)}</err>`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<rsp>${toXml('data', envelope.data)}${end}</rsp>\n`;
}
