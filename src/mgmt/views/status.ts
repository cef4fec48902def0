// `show status` / GET /status: PowerMTA's status document (reference powermta.md §5.6), with the
// keys monitoring scripts read (`status.conn.smtpIn.cur`, `status.queue.smtp.rcp`, …). Outpost has
// no DNS cache of its own (it asks the configured resolver each time), so `resolver` is left out
// rather than reported as zeros; a pipe/file/discard queue does not exist either (empty).
import { cpus, hostname, type as osType, release, totalmem } from 'node:os';
import { VERSION } from '../../version.js';
import { type RuntimeParts, spoolStats } from '../parts.js';
import type { TrafficMeter } from '../traffic.js';
import { queueRows } from './queues.js';

/** Highest connection counts seen since start (sampled each second and at every status request). */
export class ConnectionTops {
  smtpIn = 0;
  smtpOut = 0;

  sample(parts: RuntimeParts): { smtpIn: number; smtpOut: number } {
    const now = { smtpIn: parts.smtp?.connections ?? 0, smtpOut: parts.delivery?.manager.connections ?? 0 };
    this.smtpIn = Math.max(this.smtpIn, now.smtpIn);
    this.smtpOut = Math.max(this.smtpOut, now.smtpOut);
    return now;
  }
}

const EMPTY = { rcp: 0, dom: 0, kb: 0 };

function queueTotals(parts: RuntimeParts) {
  const rows = queueRows(parts);
  const domains = new Set(rows.filter((r) => r.rcp > 0).map((r) => r.domain));
  return {
    rcp: rows.reduce((sum, r) => sum + r.rcp, 0),
    dom: domains.size,
    kb: rows.reduce((sum, r) => sum + r.kb, 0),
  };
}

export function statusDocument(parts: RuntimeParts, meter: TrafficMeter, tops: ConnectionTops) {
  const config = parts.config();
  const conn = tops.sample(parts);
  const spool = spoolStats(parts);
  const shuttingDown = parts.shuttingDown();
  return {
    mta: {
      product: { name: 'Outpost', version: VERSION, bits: 64 },
      os: `${osType()} ${release()}`,
      cpu: cpus().length,
      ram: totalmem(),
      fullHostName: config.global['host-name'][0] ?? hostname(),
      hostId: config.global['host-id'],
    },
    status: {
      timeNow: new Date().toISOString(),
      startupTime: new Date(parts.startedAt).toISOString(),
      shuttingDown,
      traffic: meter.snapshot(),
      bounceProcessed: parts.processors?.processed['bounce-processor'] ?? 0,
      feedbackLoopProcessed: parts.processors?.processed['feedback-loop-processor'] ?? 0,
      conn: {
        smtpIn: { cur: conn.smtpIn, max: config.global['total-max-smtp-in'], top: tops.smtpIn },
        smtpOut: { cur: conn.smtpOut, max: config.global['total-max-smtp-out'], top: tops.smtpOut },
      },
      queue: {
        smtp: queueTotals(parts),
        pipe: EMPTY,
        discard: EMPTY,
        file: EMPTY,
        alias: EMPTY,
        bounceProcessor: EMPTY,
        feedbackLoopProcessor: EMPTY,
      },
      spool: {
        initPct: spool ? 100 : 0,
        dirs: config.spools.length || 1,
        files: { inUse: spool?.messages ?? 0, recycled: 0, total: spool?.messages ?? 0 },
        totalRcp: spool?.recipients ?? 0,
        segments: spool?.segments ?? 0,
        bytes: spool?.bytes ?? 0,
      },
      status: shuttingDown ? 'shutting down' : spool || !parts.spool ? 'running' : 'starting',
    },
  };
}

export type StatusDocument = ReturnType<typeof statusDocument>;
