// Start-up scan of a spool directory: every segment's message records, then every `.done` file's
// outcomes. Damage never stops the scan: the bad stretch is logged, the segment is marked damaged
// (its readable messages are copied forward and the files set aside by the spool), and the scan
// goes on with the next valid record.
import { readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logging.js';
import {
  compactEnvelope,
  isFinal,
  RECIPIENT_STATES,
  type RecoveredEnvelope,
  type SpoolEnvelope,
} from './envelope.js';
import { type ScannedMessage, type ScanProblem, scanDone, scanMessages } from './record.js';
import { ignoreMissing, SEGMENT_FILE, Segment } from './segment.js';

export interface FoundMessage {
  segment: Segment;
  record: Omit<ScannedMessage, 'envelopeJson'>;
  envelope: RecoveredEnvelope;
}

export interface RecoveredSpool {
  segments: Segment[];
  messages: Map<string, FoundMessage>;
  nextSeq: number;
}

/** The envelope of a record, or undefined when its JSON is not one of ours. */
export function parseEnvelope(json: Buffer): SpoolEnvelope | undefined {
  try {
    const value = JSON.parse(json.toString('utf8')) as SpoolEnvelope;
    const ok =
      value.v === 1 &&
      typeof value.id === 'string' &&
      Array.isArray(value.recipients) &&
      value.recipients.length > 0 &&
      value.recipients.every(
        (r) => typeof r.address === 'string' && (RECIPIENT_STATES as readonly string[]).includes(r.state),
      );
    return ok ? value : undefined;
  } catch {
    return undefined;
  }
}

function logProblems(log: Logger, file: string, problems: ScanProblem[]): void {
  for (const p of problems) {
    log.warn(
      { file, offset: p.offset, bytes: p.length, kind: p.kind },
      p.kind === 'truncated'
        ? `spool: ${file} ends with ${p.length} bytes of an incomplete record (a write cut short); setting the file aside`
        : `spool: ${file} has ${p.length} damaged bytes at offset ${p.offset}; setting the file aside`,
    );
  }
}

/** Keeps the newer copy of a message but never forgets an outcome the older copy had. */
function mergeInto(newer: RecoveredEnvelope, older: RecoveredEnvelope): void {
  newer.recipients.forEach((r, i) => {
    const old = older.recipients[i]?.state;
    if (r.state === 'pending' && old && isFinal(old)) r.state = old;
  });
}

async function listSegments(dir: string, log: Logger) {
  const bySeq = new Map<number, { msgs: boolean; done: boolean }>();
  for (const name of await readdir(dir)) {
    const match = SEGMENT_FILE.exec(name);
    if (!match) {
      log.warn({ file: join(dir, name) }, 'spool: ignoring a file that is not a spool segment');
      continue;
    }
    const seq = Number(match[1]);
    const entry = bySeq.get(seq) ?? { msgs: false, done: false };
    entry[match[2] as 'msgs' | 'done'] = true;
    bySeq.set(seq, entry);
  }
  return [...bySeq.entries()].sort((a, b) => a[0] - b[0]);
}

export async function recoverSegments(
  dir: string,
  log: Logger,
  syncDir: () => Promise<void>,
): Promise<RecoveredSpool> {
  const messages = new Map<string, FoundMessage>();
  const segments: Segment[] = [];
  const strings = new Map<string, string>();
  const intern = (text: string) => {
    const known = strings.get(text);
    if (known !== undefined) return known;
    strings.set(text, text);
    return text;
  };
  let nextSeq = 1;
  for (const [seq, files] of await listSegments(dir, log)) {
    nextSeq = Math.max(nextSeq, seq + 1);
    const segment = new Segment(seq, dir, { msgs: 0, done: 0 }, syncDir);
    if (!files.msgs) {
      // Its .msgs file was deleted and the crash came before the .done file went too.
      await unlink(segment.done.path).catch(ignoreMissing);
      continue;
    }
    const buf = await readFile(segment.msgs.path);
    const doneSize = files.done ? (await stat(segment.done.path)).size : 0;
    const found = new Segment(seq, dir, { msgs: buf.length, done: doneSize }, syncDir);
    segments.push(found);
    const { records, problems } = scanMessages(buf);
    logProblems(log, found.msgs.path, problems);
    if (problems.length > 0) found.damaged = true;
    for (const { envelopeJson, ...record } of records) {
      const full = parseEnvelope(envelopeJson);
      if (!full) {
        logProblems(log, found.msgs.path, [
          { offset: record.recordOffset, length: record.recordLength, kind: 'corrupt' },
        ]);
        found.damaged = true;
        continue;
      }
      const envelope = compactEnvelope(full, intern);
      const older = messages.get(envelope.id);
      if (older) mergeInto(envelope, older.envelope);
      messages.set(envelope.id, { segment: found, record, envelope });
    }
  }
  for (const segment of segments) {
    if (segment.done.size === 0) continue;
    const { records, problems } = scanDone(await readFile(segment.done.path));
    logProblems(log, segment.done.path, problems);
    if (problems.length > 0) segment.damaged = true;
    for (const done of records) {
      const envelope = messages.get(done.id)?.envelope;
      if (!envelope) continue; // finished and its segment deleted, or a copy moved on: nothing to do
      const indexes = done.r ?? envelope.recipients.map((_, i) => i);
      for (const i of indexes) {
        const recipient = envelope.recipients[i];
        if (recipient && recipient.state === 'pending') recipient.state = done.s;
      }
    }
  }
  return { segments, messages, nextSeq };
}
