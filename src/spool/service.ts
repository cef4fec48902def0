// The spool as a Service of the Outpost process: opened (locked and recovered) before the SMTP
// listener starts, closed after it stops. The delivery engine takes `recovered` at its start.
import { configPath, type OutpostConfig } from '../config/index.js';
import type { Logger } from '../logging.js';
import type { Service } from '../main.js';
import type { RecoveredEnvelope } from './envelope.js';
import { Spool } from './spool.js';

/** `<spool DIR>` with the highest `priority` (Outpost uses one spool), else DATA-DIR/spool. */
export function spoolSettingsFor(
  config: OutpostConfig,
  dataDir: string,
): { dir: string; minFreeBytes: number } {
  const [chosen] = [...config.spools].sort((a, b) => b.settings.priority - a.settings.priority);
  if (!chosen) return { dir: `${dataDir}/spool`, minFreeBytes: 0 };
  return { dir: configPath(config, chosen.dir), minFreeBytes: chosen.settings['min-free-space'] };
}

export class SpoolService implements Service {
  readonly name = 'spool';
  private opened: Spool | undefined;
  /** What recovery found at start: every acknowledged message with pending recipients. */
  recovered: RecoveredEnvelope[] = [];

  constructor(
    private readonly config: OutpostConfig,
    private readonly dataDir: string,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const { dir, minFreeBytes } = spoolSettingsFor(this.config, this.dataDir);
    if (this.config.spools.length > 1) {
      this.log.warn({ dir }, `several <spool> directories configured; Outpost uses one: ${dir}`);
    }
    const { spool, recovered } = await Spool.open(dir, { log: this.log, minFreeBytes });
    this.opened = spool;
    this.recovered = recovered;
  }

  get spool(): Spool {
    if (!this.opened) throw new Error('the spool is not open yet');
    return this.opened;
  }

  async stop(): Promise<void> {
    await this.opened?.close();
    this.opened = undefined;
  }
}
