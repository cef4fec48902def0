// Keyset paging shared by both engines: results are ordered newest first by (ts, event_id), and a
// page continues strictly after the previous page's last row, so pages never repeat or skip rows
// that arrive while someone pages.
import type { Condition } from './query.js';
import { type Dialect, numberLiteral } from './sql.js';
import type { BatchQuery } from './types.js';

export function keysetAfter(after?: { ts: number; event_id: string }): Condition | undefined {
  if (!after) return undefined;
  return {
    any: [
      { column: 'ts', cmp: '<', value: after.ts },
      {
        all: [
          { column: 'ts', cmp: '=', value: after.ts },
          { column: 'event_id', cmp: '<', value: after.event_id },
        ],
      },
    ],
  };
}

/** WHERE clause for the batch list (its columns are not event columns, so it is written here). */
export function batchWhere(d: Dialect, q: BatchQuery): string {
  const parts = [`received_at >= ${numberLiteral(q.from)}`, `received_at < ${numberLiteral(q.to)}`];
  const list = (values: readonly (string | number)[], render: (v: string | number) => string) =>
    values.length ? values.map(render).join(', ') : 'NULL';
  if (q.subaccounts) parts.push(`subaccount_id IN (${list(q.subaccounts, (v) => numberLiteral(Number(v)))})`);
  if (q.statuses) parts.push(`status IN (${list(q.statuses, (v) => d.string(String(v)))})`);
  if (q.batchIds) parts.push(`batch_id IN (${list(q.batchIds, (v) => d.string(String(v)))})`);
  if (q.after) {
    const ts = numberLiteral(q.after.received_at);
    parts.push(`(received_at < ${ts} OR (received_at = ${ts} AND batch_id < ${d.string(q.after.batch_id)}))`);
  }
  return parts.join(' AND ');
}
