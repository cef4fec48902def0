// A pino logger whose lines the test can read back (to assert that a problem was logged).
import { Writable } from 'node:stream';
import { type Logger, pino } from 'pino';

export interface CapturedLog {
  log: Logger;
  /** Parsed log lines so far. */
  lines(): Array<Record<string, unknown> & { msg: string; level: number }>;
  /** Messages of lines at warn level or above. */
  warnings(): string[];
}

export function captureLogger(level = 'debug'): CapturedLog {
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      raw.push(...String(chunk).split('\n').filter(Boolean));
      callback();
    },
  });
  const log = pino({ level, base: undefined }, stream);
  const lines = () => raw.map((line) => JSON.parse(line));
  return {
    log,
    lines,
    warnings: () =>
      lines()
        .filter((l) => l.level >= 40)
        .map((l) => l.msg),
  };
}
