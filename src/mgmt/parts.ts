// What the management API reads and acts on: the running services, reached through this one
// interface so routes never import the wiring. main.ts fills it in; a part that the configuration
// does not run is absent (an MTA without acct-files has no accounting, a Signals-only host has no
// queues), and the views report it empty rather than failing.
import type { ReportProcessors } from '../bounce/processor-service.js';
import type { OutpostConfig } from '../config/index.js';
import type { DeliveryService } from '../delivery/service.js';
import type { AccountingService } from '../events/accounting/service.js';
import type { SignalsConnector } from '../events/signals/index.js';
import type { LogFile } from '../logs/index.js';
import type { SmtpService } from '../smtp/service.js';
import type { SpoolService } from '../spool/service.js';
import type { ReloadResult } from './reload.js';

export interface RuntimeParts {
  /** The configuration in effect (a reload replaces it). */
  config(): OutpostConfig;
  startedAt: number;
  shuttingDown(): boolean;
  reload(): Promise<ReloadResult>;
  spool?: SpoolService;
  delivery?: DeliveryService;
  smtp?: SmtpService;
  processors?: ReportProcessors;
  accounting?: AccountingService;
  connector?: SignalsConnector;
  logFile?: LogFile;
}

/** The spool's counts, or zeros while it is not open (starting, stopped). */
export function spoolStats(parts: RuntimeParts) {
  try {
    return parts.spool ? parts.spool.spool.stats() : undefined;
  } catch {
    return undefined;
  }
}
