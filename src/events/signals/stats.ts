// Counters of the connector, read by metrics and the management API. Every event that does not
// reach the receiver is counted under the reason it was dropped.

export interface SignalsStats {
  /** Events written to a staging file. */
  staged: number;
  /** Events enable-signals or a signals-filter keeps from Signals (not an error). */
  notSelected: number;
  /** Events the receiver acknowledged with a 2xx. */
  uploaded: number;
  filesUploaded: number;
  /** Requests that failed (status outside 2xx, timeout, network error). */
  failedRequests: number;
  dropped: {
    /** Older than 24 hours: SparkPost refuses them. */
    tooOld: number;
    /** Deleted or not staged because free space fell below min-free-space. */
    freeSpace: number;
    /** A single event larger than a whole request. */
    oversize: number;
    /** Could not be written (disk full, I/O error). */
    writeError: number;
    /** Half-written last lines found after a crash. */
    partial: number;
  };
  lastSuccessAt?: number;
  lastError?: string;
}

export function newStats(): SignalsStats {
  return {
    staged: 0,
    notSelected: 0,
    uploaded: 0,
    filesUploaded: 0,
    failedRequests: 0,
    dropped: { tooOld: 0, freeSpace: 0, oversize: 0, writeError: 0, partial: 0 },
  };
}
