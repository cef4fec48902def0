// A pino logger whose lines the test can read.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from '../../../../src/logging.js';

export interface CapturedLog {
  log: Logger;
  entries: Array<{ level: number; msg: string; [key: string]: unknown }>;
  messages(): string[];
  /** Messages at error level or above. */
  errors(): string[];
}

export function captureLog(): CapturedLog {
  const entries: CapturedLog['entries'] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) entries.push(JSON.parse(line));
      done();
    },
  });
  return {
    log: pino({ level: 'debug', base: undefined }, stream),
    entries,
    messages: () => entries.map((e) => e.msg),
    errors: () => entries.filter((e) => e.level >= 50).map((e) => e.msg),
  };
}
