// Typed spool errors: callers tell these apart (the SMTP listener maps SpoolUnavailableError to a
// 4xx, the delivery engine treats SpoolCorruptError as a lost message), so each is its own class
// with a stable `code`.

export class SpoolError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Another live process holds the spool directory. */
export class SpoolLockedError extends SpoolError {
  constructor(dir: string, holder: string) {
    super('SPOOL_LOCKED', `spool ${dir} is in use by another process (${holder})`);
  }
}

/**
 * The spool cannot take new writes: closed, below `min-free-space`, or unhealthy after a failed
 * write or fsync (after a failed fsync the kernel may have dropped the dirty pages, so nothing
 * written since the last good sync can be trusted; only a restart, which re-reads the disk, clears it).
 */
export class SpoolUnavailableError extends SpoolError {
  constructor(
    readonly reason: 'closed' | 'full' | 'unhealthy',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`SPOOL_${reason.toUpperCase()}`, message, options);
  }
}

/** A message's bytes no longer match the checksum written with them. */
export class SpoolCorruptError extends SpoolError {
  constructor(id: string, detail: string) {
    super('SPOOL_CORRUPT', `spooled message ${id} is corrupt: ${detail}`);
  }
}

/** No live message has this id (never stored, or already finished and removed). */
export class UnknownMessageError extends SpoolError {
  constructor(id: string) {
    super('SPOOL_UNKNOWN_MESSAGE', `no spooled message with id ${id}`);
  }
}
