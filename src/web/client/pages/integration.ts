// Integration: proof that uploads arrive (reference §1.6). The last upload from each MTA, and the
// recent batches with their counts and, for failed ones, the reason and the failed lines.
import { api, fetchApi } from '../api.js';
import { fill, fmt, h } from '../dom.js';
import { dayAfter, range } from '../filters.js';
import { sortableTable } from '../table.js';
import { param } from '../url-state.js';
import type { Page } from './page.js';

interface Batch {
  type: 'success' | 'error';
  error_type?: string;
  batch_id: string;
  number_succeeded: number;
  number_failed?: number;
  number_duplicates: number;
  error_message?: string;
  timestamp: string;
}

interface Uploader {
  address: string;
  user_agent: string;
  subaccount_id: number | null;
  last_upload: string;
  uploads: number;
  last_batch: Batch | null;
}

const events = (b: Batch) => b.number_succeeded + (b.number_failed ?? 0) + b.number_duplicates;
const status = (b: Batch) => (b.type === 'success' ? 'success' : (b.error_type ?? 'error'));

function ago(iso: string): string {
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (seconds < 120) return `${seconds} s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}

async function downloadFailures(batchId: string): Promise<void> {
  const response = await fetchApi(`/api/v1/ingest/events/failures/${encodeURIComponent(batchId)}`);
  const url = URL.createObjectURL(await response.blob());
  const link = h('a', { href: url, download: `${batchId}-failures.ndjson.gz` });
  link.click();
  URL.revokeObjectURL(url);
}

export const integration: Page = {
  title: 'Integration',
  mount(view) {
    const tiles = h('div', { class: 'tiles', id: 'batch-tiles' });
    const mtas = h('div', { id: 'uploaders' });
    const batches = h('div', { id: 'batches' });
    fill(
      view,
      h('section', {}, h('h2', {}, 'Last upload from each MTA'), mtas),
      h('section', {}, h('h2', {}, 'Recent batches'), tiles, batches),
    );
    return async () => {
      const { from, to } = range();
      const [list, uploaders] = await Promise.all([
        api<{ results: Batch[]; total_count: number }>('/api/v1/events/ingest', {
          from: `${from}T00:00:00Z`,
          to: `${dayAfter(to)}T00:00:00Z`,
          per_page: 100,
          subaccounts: param('subaccounts') || undefined,
        }),
        api<{ results: Uploader[] }>('/api/v1/ingest/uploaders'),
      ]);
      fill(
        mtas,
        sortableTable(
          'mtas',
          [
            { key: 'address', label: 'MTA address', value: (u) => u.address },
            { key: 'agent', label: 'User agent', value: (u) => u.user_agent || '–' },
            {
              key: 'last',
              label: 'Last upload (UTC)',
              value: (u) => u.last_upload,
              show: (u) => `${fmt.time(u.last_upload)} (${ago(u.last_upload)})`,
            },
            { key: 'uploads', label: 'Uploads', numeric: true, value: (u) => u.uploads },
            {
              key: 'status',
              label: 'Last batch',
              value: (u) => (u.last_batch ? status(u.last_batch) : 'processing'),
            },
            {
              key: 'events',
              label: 'Events in it',
              numeric: true,
              value: (u) => (u.last_batch ? events(u.last_batch) : null),
            },
          ],
          uploaders.results,
          { rowKey: (u) => `${u.address} ${u.user_agent}`, empty: 'No uploads since the server started.' },
        ),
      );
      const rows = list.results;
      const sum = (pick: (b: Batch) => number) => rows.reduce((s, b) => s + pick(b), 0);
      fill(
        tiles,
        ...[
          ['batches', 'Batches', list.total_count],
          ['succeeded', 'Events stored', sum((b) => b.number_succeeded)],
          ['failed', 'Events failed', sum((b) => b.number_failed ?? 0)],
          ['duplicates', 'Duplicates', sum((b) => b.number_duplicates)],
        ].map(([k, label, n]) =>
          h(
            'div',
            { class: 'tile', 'data-metric': String(k), 'data-value': String(n) },
            h('span', { class: 'tile-value' }, fmt.int(Number(n))),
            h('span', {}, String(label)),
          ),
        ),
        rows.length < list.total_count
          ? h('p', { class: 'hint' }, `Counts cover the newest ${rows.length} batches.`)
          : null,
      );
      fill(
        batches,
        sortableTable(
          'batches',
          [
            {
              key: 'time',
              label: 'Received (UTC)',
              value: (b) => b.timestamp,
              show: (b) => fmt.time(b.timestamp),
            },
            { key: 'batch', label: 'Batch', value: (b) => b.batch_id },
            {
              key: 'status',
              label: 'Status',
              value: status,
              show: (b) => h('span', { class: `badge ${b.type === 'success' ? 'good' : 'bad'}` }, status(b)),
            },
            { key: 'events', label: 'Events', numeric: true, value: events },
            { key: 'succeeded', label: 'Succeeded', numeric: true, value: (b) => b.number_succeeded },
            { key: 'failed', label: 'Failed', numeric: true, value: (b) => b.number_failed ?? 0 },
            { key: 'duplicates', label: 'Duplicates', numeric: true, value: (b) => b.number_duplicates },
            {
              key: 'reason',
              label: 'Failure reason',
              value: (b) => b.error_message ?? '',
              show: (b) =>
                b.type === 'success'
                  ? ''
                  : h(
                      'span',
                      {},
                      `${b.error_message ?? ''} `,
                      (b.number_failed ?? 0) > 0
                        ? h(
                            'button',
                            {
                              type: 'button',
                              class: 'link',
                              onclick: () => void downloadFailures(b.batch_id),
                            },
                            'failed lines',
                          )
                        : '',
                    ),
            },
          ],
          rows,
          { rowKey: (b) => b.batch_id, empty: 'No batches in this range.' },
        ),
      );
    };
  },
};
