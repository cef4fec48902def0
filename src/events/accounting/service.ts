// The accounting Service: one sink per <acct-file>, fed from the event bus. Each record type goes to
// the files whose `records` list it; d/b/t/tq records also pass `queue-filter` and the queue's
// `disable-acct-records`. A file with several types has one header line, the union of their
// columns, and each record fills only its own columns.
import type { RecordType } from '../../config/directives/blocks.js';
import { type AcctFile, configPath, domainSettingsFor, type OutpostConfig } from '../../config/index.js';
import { plain } from '../../config/plain.js';
import type { Logger } from '../../logging.js';
import type { Service } from '../../main.js';
import type { EventBus } from '../bus.js';
import { EVENT_TYPES, type OutpostEvent } from '../record.js';
import { csvLine } from './csv.js';
import { fieldsFor, unionColumns } from './fields.js';
import { AcctFileSink } from './file-sink.js';
import { RecordFormatter } from './format.js';
import { AcctPipeSink } from './pipe-sink.js';
import { compileQueueFilter } from './queue-filter.js';

const QUEUE_RECORDS = new Set<RecordType>(['d', 'b', 't', 'tq']);

class AccountingFile {
  readonly sink: AcctFileSink | AcctPipeSink;
  private readonly columns: string[];
  private readonly own: Map<RecordType, Set<string>>;
  private readonly formatter: RecordFormatter;
  private readonly queueFilter: (queue: string) => boolean;

  constructor(
    readonly file: AcctFile,
    /** Replaced on reload when the file's own settings did not change (disable-acct-records). */
    public config: OutpostConfig,
    log: Logger,
  ) {
    const s = file.settings;
    this.columns = unionColumns(s.records, s['record-fields']);
    this.own = new Map(
      s.records.map((t) => [t, new Set(fieldsFor(t, s['record-fields']).map((f) => f.toLowerCase()))]),
    );
    this.formatter = new RecordFormatter(s);
    this.queueFilter = compileQueueFilter(s['queue-filter']);
    const header = csvLine(this.columns);
    this.sink = file.pipe
      ? new AcctPipeSink({ command: file.target, header, settings: s, log })
      : new AcctFileSink({ path: configPath(config, file.target), header, settings: s, log });
  }

  accept(event: OutpostEvent, type: RecordType): void {
    const own = this.own.get(type);
    if (!own) return;
    if (QUEUE_RECORDS.has(type) && event.queue !== undefined) {
      if (!this.queueFilter(event.queue)) return;
      const [domain = '', vmta] = event.queue.split('/');
      const disabled = domainSettingsFor(this.config, domain, vmta === '{default}' ? undefined : vmta)[
        'disable-acct-records'
      ];
      if (disabled.includes(type)) return;
    }
    const values = this.columns.map((column) =>
      own.has(column.toLowerCase()) ? this.formatter.value(event, type, column) : '',
    );
    this.sink.write(csvLine(values));
  }
}

export class AccountingService implements Service {
  readonly name = 'accounting';
  private files: AccountingFile[];
  private unsubscribe: (() => void) | undefined;

  constructor(
    config: OutpostConfig,
    private readonly bus: EventBus,
    private readonly log: Logger,
  ) {
    this.files = config.acctFiles.map((file) => new AccountingFile(file, config, log));
  }

  /**
   * A reload: an <acct-file> whose settings are unchanged keeps its open file; a new or changed one
   * opens now (a failure leaves everything as it was); a removed one is closed at the switch-over.
   */
  async prepareReload(config: OutpostConfig): Promise<{ commit(): void; abort(): Promise<void> }> {
    const key = (file: AcctFile) => JSON.stringify(plain({ ...file, pos: undefined }));
    const old = new Map(this.files.map((f) => [key(f.file), f]));
    const opened: AccountingFile[] = [];
    const next: AccountingFile[] = [];
    try {
      for (const file of config.acctFiles) {
        const kept = old.get(key(file));
        if (kept) {
          old.delete(key(file));
          next.push(kept);
          continue;
        }
        const fresh = new AccountingFile(file, config, this.log);
        await fresh.sink.start();
        opened.push(fresh);
        next.push(fresh);
      }
    } catch (error) {
      await Promise.allSettled(opened.map((f) => f.sink.stop()));
      throw error;
    }
    return {
      commit: () => {
        for (const file of next) file.config = config;
        this.files = next;
        for (const gone of old.values())
          gone.sink
            .stop()
            .catch((error) => this.log.error({ err: error }, 'could not close a removed acct-file'));
      },
      abort: async () => {
        await Promise.allSettled(opened.map((f) => f.sink.stop()));
      },
    };
  }

  async start(): Promise<void> {
    for (const file of this.files) await file.sink.start();
    this.unsubscribe = this.bus.subscribe((event) => this.record(event));
  }

  record(event: OutpostEvent): void {
    const type = EVENT_TYPES[event.type].record;
    if (type === undefined) return;
    for (const file of this.files) file.accept(event, type);
  }

  /** Starts new files now (`outpost rotate acct`). */
  async rotate(): Promise<void> {
    for (const file of this.files) await file.sink.rotate();
  }

  /** Resolves once everything recorded so far is written. */
  async drain(): Promise<void> {
    for (const file of this.files) await file.sink.drain();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    for (const file of this.files) await file.sink.stop();
  }
}
