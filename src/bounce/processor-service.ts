// The bounce and feedback-loop processors (powermta.md §7): a filter between reception and the
// queues. Recipients of a spooled message that a processor's <address-list> names are the
// processor's: the message is parsed as a report once, every report becomes rb / rs / f records and
// out-of-band / spam-complaint events, and those recipients are delivered onwards only if the
// processor says so (`deliver-matched-email` for recognised reports, `deliver-unmatched-email` for
// anything else). Other recipients go to the queues as usual. Nothing here ever sends a DSN: a
// report never gets one back.
import type { OutpostConfig, Processor } from '../config/index.js';
import type { EventBus } from '../events/index.js';
import type { Logger } from '../logging.js';
import type { Service } from '../main.js';
import { processorFor, type RelayRules, relayRulesFrom } from '../smtp/relay.js';
import type { RecoveredEnvelope, SpoolEnvelope, SpooledMessage } from '../spool/index.js';
import { reportToEvents } from './events.js';
import { type ParseOptions, parseReport } from './parse.js';
import { processorOptions } from './processor-options.js';

export interface ProcessorOptions {
  config: OutpostConfig;
  bus: EventBus;
  log: Logger;
  /** Records recipients the processor consumed (spool state `done`). */
  consume: (id: string, indexes: number[]) => Promise<void>;
  /** Hands the message to the queues (for recipients not consumed). */
  deliver: (message: SpooledMessage) => void;
  /** At start: messages the spool recovered, and how to read one (reports that were not processed yet). */
  recovered?: () => RecoveredEnvelope[];
  read?: (id: string) => Promise<SpooledMessage>;
}

export class ReportProcessors implements Service {
  readonly name = 'processors';
  private rules: RelayRules;
  private parseOptions: ParseOptions;
  private config: OutpostConfig;
  /** Reports processed, by processor (PowerMTA's bounceProcessed / feedbackLoopProcessed counters). */
  readonly processed = { 'bounce-processor': 0, 'feedback-loop-processor': 0 };

  constructor(private readonly options: ProcessorOptions) {
    this.config = options.config;
    this.rules = relayRulesFrom(options.config);
    this.parseOptions = processorOptions(options.config);
  }

  /** A reload: new address lists and processor settings for the messages that arrive from now on. */
  reconfigure(config: OutpostConfig): void {
    this.config = config;
    this.rules = relayRulesFrom(config);
    this.parseOptions = processorOptions(config);
  }

  private mine(envelope: Pick<SpoolEnvelope, 'recipients'>) {
    return envelope.recipients.flatMap((r, index) => {
      const processor = processorFor(this.rules, r.address);
      return processor && r.state === 'pending' ? [{ index, processor, address: r.address }] : [];
    });
  }

  /** Whether a processor takes some recipient of this message (the queues must not get it first). */
  wants(envelope: Pick<SpoolEnvelope, 'recipients'>): boolean {
    return this.mine(envelope).length > 0;
  }

  /** Processes reports that were spooled but not processed before the last stop. */
  async start(): Promise<void> {
    const pending = (this.options.recovered?.() ?? []).filter((e) => this.wants(e));
    for (const envelope of pending) this.handle(await this.options.read!(envelope.id));
  }

  async stop(): Promise<void> {}

  /** Takes a freshly spooled message; never throws (a failure delivers the mail as PowerMTA does). */
  handle(message: SpooledMessage): void {
    const mine = this.mine(message.envelope);
    if (mine.length === 0) {
      this.options.deliver(message);
      return;
    }
    void this.process(message, mine).catch((error) => {
      this.options.log.error(
        { err: error, id: message.envelope.id },
        'report processing failed; delivering the message',
      );
      this.options.deliver(message);
    });
  }

  private settingsOf(processor: 'bounce-processor' | 'feedback-loop-processor'): Processor {
    const { config } = this;
    return (processor === 'bounce-processor' ? config.bounceProcessor : config.feedbackLoopProcessor)!;
  }

  private async process(
    message: SpooledMessage,
    mine: Array<{
      index: number;
      processor: 'bounce-processor' | 'feedback-loop-processor';
      address: string;
    }>,
  ): Promise<void> {
    const { envelope, body } = message;
    const report = await parseReport(body, { ...this.parseOptions, sentTo: mine[0]!.address });
    const recognised = report.kind !== 'unrecognized';
    if (recognised) {
      const events = reportToEvents(report, { repSourceIp: envelope.localIp, srcMta: envelope.srcMta });
      for (const event of events) this.options.bus.emit(event);
      for (const { processor } of mine) this.processed[processor]++;
    }
    const consumed = mine.filter(({ processor }) => {
      const s = this.settingsOf(processor).settings;
      return recognised ? !s['deliver-matched-email'] : !s['deliver-unmatched-email'];
    });
    if (consumed.length > 0)
      await this.options.consume(
        envelope.id,
        consumed.map((m) => m.index),
      );
    for (const { index } of consumed) envelope.recipients[index]!.state = 'done';
    if (envelope.recipients.some((r) => r.state === 'pending')) this.options.deliver(message);
    this.options.log.info(
      { id: envelope.id, kind: report.kind, recipients: report.recipients.length },
      `${mine[0]!.processor}: ${report.kind} report from ${envelope.srcMta}`,
    );
  }
}
