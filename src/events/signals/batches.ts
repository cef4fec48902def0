// Splits one staged file into request bodies: at most `maxBytes` of NDJSON each (SparkPost's 5 MB
// request limit, counted uncompressed to be safe, as SparkPost's own feeder does; sparkpost-api.md
// §1.1), without the events that are already too old to be accepted (24 hours). A file we staged
// fits one request, so the usual result is the whole file as one body, not a copy of it.

export interface BatchPlan {
  batches: Buffer[];
  events: number[];
  tooOld: number;
}

const TIMESTAMP_KEY = Buffer.from('"timestamp":"');

export function planBatches(data: Buffer, oldestAcceptedMs: number, maxBytes: number): BatchPlan {
  const plan: BatchPlan = { batches: [], events: [], tooOld: 0 };
  const oldestSeconds = Math.ceil(oldestAcceptedMs / 1000);
  let pieces: Buffer[] = [];
  let runStart = -1;
  let bytes = 0;
  let events = 0;
  let keyAt = data.indexOf(TIMESTAMP_KEY);
  const endRun = (end: number) => {
    if (runStart >= 0 && end > runStart) pieces.push(data.subarray(runStart, end));
    runStart = -1;
  };
  const endBatch = (end: number) => {
    endRun(end);
    if (events === 0) return;
    plan.batches.push(pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces));
    plan.events.push(events);
    pieces = [];
    bytes = 0;
    events = 0;
  };
  for (let start = 0; start < data.length; ) {
    const newline = data.indexOf(10, start);
    const end = newline < 0 ? data.length : newline + 1;
    while (keyAt >= 0 && keyAt < start) keyAt = data.indexOf(TIMESTAMP_KEY, keyAt + 1);
    const seconds = keyAt >= 0 && keyAt < end ? readSeconds(data, keyAt + TIMESTAMP_KEY.length) : undefined;
    if (end - start <= 1) {
      endRun(start); // blank line: nothing to send
    } else if (seconds !== undefined && seconds < oldestSeconds) {
      plan.tooOld++;
      endRun(start);
    } else {
      if (bytes + (end - start) > maxBytes) endBatch(start);
      if (runStart < 0) runStart = start;
      bytes += end - start;
      events++;
    }
    start = end;
  }
  endBatch(data.length);
  return plan;
}

function readSeconds(data: Buffer, at: number): number | undefined {
  let value = 0;
  let i = at;
  for (; i < data.length && data[i]! >= 48 && data[i]! <= 57; i++) value = value * 10 + data[i]! - 48;
  return i > at && data[i] === 34 ? value : undefined;
}
