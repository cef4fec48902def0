// The operator's log for `outpost start` and `outpost signals`: pino writing through a LogFile.
import { pino } from 'pino';
import type { OutpostConfig } from '../config/index.js';
import type { Logger } from '../logging.js';
import { LogFile, logSettingsFrom } from './log-file.js';

export { localTime, textLine } from './format.js';
export { LogFile, type LogFileSettings, logSettingsFrom } from './log-file.js';

export function operatorLog(config: OutpostConfig): { log: Logger; file: LogFile } {
  const file = new LogFile(logSettingsFrom(config));
  const log = pino({ level: process.env.OUTPOST_LOG_LEVEL ?? 'info', base: undefined }, file);
  return { log, file };
}
