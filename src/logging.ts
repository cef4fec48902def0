// Diagnostic logging (pino). This is the operator's log, not the event stream: structured JSON or
// text lines with a component name. `log-file` and rotation arrive with the operations issue.
import { type Logger, pino } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Write to this file descriptor/path instead of stderr. */
  destination?: string | number;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    { level: options.level ?? process.env.OUTPOST_LOG_LEVEL ?? 'info', base: undefined },
    pino.destination({ dest: options.destination ?? 2, sync: false }),
  );
}

/** A logger that drops everything (tests that do not assert on logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
