// Reads a Signals report until it shows what a test expects: the cohort rollup follows new events
// within seconds, not within the request that uploaded them.
import assert from 'node:assert/strict';
import { getJson, VIEW_KEY } from './server.js';

export type ReportRow = Record<string, unknown> & { history: Array<Record<string, unknown>> };

export async function settled(
  url: string,
  path: string,
  ready: (rows: ReportRow[]) => boolean,
  key = VIEW_KEY,
): Promise<ReportRow[]> {
  let last: unknown;
  for (let i = 0; i < 200; i++) {
    const response = await getJson(url, path, key);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const rows = (response.body.results as { data: ReportRow[] }).data;
    if (ready(rows)) return rows;
    last = rows;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${path} never settled; last answer ${JSON.stringify(last).slice(0, 2000)}`);
}
