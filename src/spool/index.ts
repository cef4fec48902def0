/**
 * The durable spool: every message Outpost acknowledges is here until each recipient is final.
 *
 * Guarantees
 * - `store()` resolves only after the message bytes and the envelope are on disk (fdatasync of the
 *   segment file; a new segment file also gets its directory fsynced). The SMTP listener sends its
 *   250 after that, never before. Concurrent stores share one fdatasync (group commit): the commit
 *   loop writes everything that queued up while the previous flush ran, then syncs once per file.
 * - `markRecipients()` / `remove()` resolve once the outcome is on disk the same way, so a restart
 *   never returns a recipient that was marked final.
 * - `Spool.open()` returns every acknowledged message with at least one pending recipient. A torn
 *   or damaged record is logged, the readable messages of its segment are copied into a new segment
 *   and the damaged files are moved to `corrupt/`; recovery never throws on bad data.
 * - One process per spool: `open()` throws SpoolLockedError while another process holds it (an
 *   abstract Unix socket, released by the kernel when its holder dies; see lock.ts).
 *
 * On disk (DIR is `<spool DIR>`, default DATA-DIR/spool)
 *   DIR/FORMAT                   "outpost-spool 1"
 *   DIR/lock                     who holds the spool (informational; the lock itself is a socket)
 *   DIR/segments/NNNNNNNNNN.msgs append-only message records, little-endian:
 *        u32 magic "OPM1" | u32 envelope length E | u32 body length B | u32 CRC-32 of body
 *        | u32 CRC-32 of the previous 16 bytes + envelope | E bytes envelope JSON | B bytes message
 *   DIR/segments/NNNNNNNNNN.done append-only outcome records for messages stored in that segment:
 *        u32 magic "OPD1" | u32 length L | u32 CRC-32 of the previous 8 bytes + payload
 *        | L bytes JSON {"id", "r": [recipient indexes] (absent = all), "s": final state}
 *   DIR/corrupt/                 damaged segment files set aside, prefixed with a timestamp
 * A segment never refers to another, so it is deleted once none of its messages is live. Each
 * start writes to a fresh segment; a segment rotates at 64 MiB. A segment that is over 75% dead
 * and over a minute old has its live messages copied forward (with their outcomes so far) so that
 * long-retrying messages do not pin old files. A message present in two segments (a copy that was
 * interrupted before the old file went) is read from the newer one, keeping every final outcome.
 *
 * Message bodies are kept exactly as the listener stored them: CRLF line ends, dot-unstuffed, with
 * the headers Outpost added (Received, Message-ID) and without the ones it consumed (X-Job, …).
 */
export {
  compactEnvelope,
  type DsnNotify,
  type FinalRecipientState,
  isFinal,
  RECIPIENT_STATES,
  type RecipientState,
  type RecoveredEnvelope,
  type SpoolEnvelope,
  type SpooledMessage,
  type SpoolRecipient,
} from './envelope.js';
export {
  SpoolCorruptError,
  SpoolError,
  SpoolLockedError,
  SpoolUnavailableError,
  UnknownMessageError,
} from './errors.js';
export { type OpenedSpool, Spool, type SpoolOptions } from './spool.js';
export { newSpoolId } from './spool-id.js';
