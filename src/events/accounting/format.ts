// Turns one event into the values of one accounting record, field by field.
import type { AcctFileSettings, HeaderToField, RecordType } from '../../config/directives/blocks.js';
import type { OutpostEvent } from '../record.js';
import { localPartReplacer, redactRecipient } from './privacy.js';

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

/**
 * `iso-times yes` (PowerMTA 5.0's default): `2019-02-08 21:54:05+0000` in local time, as every
 * sample shows. `iso-times no`: Unix time_t (the 4.0 guide's normal form).
 */
export function formatTime(ms: number, iso: boolean): string {
  if (!iso) return String(Math.floor(ms / 1000));
  const d = new Date(ms);
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${sign}${pad(Math.floor(Math.abs(offset) / 60))}${pad(Math.abs(offset) % 60)}`
  );
}

function headerValue(event: OutpostEvent, name: string): string | undefined {
  const lower = name.toLowerCase();
  return event.headers?.find(([n]) => n.toLowerCase() === lower)?.[1];
}

export class RecordFormatter {
  private readonly iso: boolean;
  private readonly userString: string;
  private readonly replaceLocal: ((local: string) => string) | undefined;
  private readonly mappings: HeaderToField[];

  constructor(settings: AcctFileSettings) {
    this.iso = settings['iso-times'];
    this.userString = settings['user-string'] ?? '';
    this.replaceLocal = localPartReplacer(settings['privacy-policy']);
    this.mappings = settings['map-header-to-field'];
  }

  /** The value of `field` for `event` written as record `type`. */
  value(event: OutpostEvent, type: RecordType, field: string): string {
    const mapped = this.mapped(event, type, field);
    const raw = mapped ?? this.raw(event, type, field);
    if (!this.replaceLocal || !event.rcpt || raw === '') return raw;
    return ['rcpt', 'orcpt', 'dsnDiag', 'orig'].includes(field)
      ? redactRecipient(raw, event.rcpt, this.replaceLocal)
      : raw;
  }

  /** map-header-to-field: the first listed header present wins over the standard field. */
  private mapped(event: OutpostEvent, type: RecordType, field: string): string | undefined {
    for (const m of this.mappings) {
      if (m.type !== type || m.field.toLowerCase() !== field.toLowerCase()) continue;
      const value = headerValue(event, m.header.slice('header_'.length));
      if (value !== undefined) return value;
    }
    return undefined;
  }

  private raw(event: OutpostEvent, type: RecordType, field: string): string {
    if (/^header_/i.test(field)) return headerValue(event, field.slice(7)) ?? '';
    if (/^arf_/i.test(field)) {
      const name = field.slice(4).toLowerCase();
      const entry = Object.entries(event.arf ?? {}).find(([n]) => n.toLowerCase() === name);
      return entry ? entry[1].join(',') : '';
    }
    switch (field) {
      case 'type':
        return type;
      case 'timeLogged':
        return formatTime(event.timeLogged, this.iso);
      case 'timeQueued':
        return event.timeQueued === undefined ? '' : formatTime(event.timeQueued, this.iso);
      case 'totalSecondsQueued':
        return event.timeQueued === undefined
          ? ''
          : String(Math.round((event.timeLogged - event.timeQueued) / 1000));
      case 'userString':
        return this.userString;
      default: {
        const value = (event as unknown as Record<string, unknown>)[field];
        return value === undefined || value === null ? '' : String(value);
      }
    }
  }
}
