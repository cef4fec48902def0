// Event search: the Events API (reference §4) with the shared filters plus event types and
// recipients, a row per event, pages by cursor, and the full JSON of the event clicked.
import { api } from '../api.js';
import { fill, fmt, h } from '../dom.js';
import { dayAfter, facetFilters, range } from '../filters.js';
import { sortableTable } from '../table.js';
import { param, setParams } from '../url-state.js';
import type { Page } from './page.js';

type EventRow = Record<string, unknown> & { event_id: string; type: string; timestamp: string };

const PER_PAGE = 50;

function detail(e: EventRow): string {
  if (e.reason) return String(e.reason);
  if (e.target_link_url) return String(e.target_link_url);
  if (e.fbtype) return `feedback: ${String(e.fbtype)}`;
  return '';
}

export const events: Page = {
  title: 'Event search',
  mount(view) {
    const types = h('input', {
      name: 'events',
      value: param('events'),
      placeholder: 'delivery,bounce,…',
      size: 24,
      'aria-label': 'Event types',
    });
    const recipients = h('input', {
      name: 'recipients',
      value: param('recipients'),
      placeholder: 'someone@example.com',
      size: 24,
      'aria-label': 'Recipients',
    });
    const form = h(
      'form',
      {
        class: 'toolbar',
        onsubmit: (e: Event) => {
          e.preventDefault();
          setParams({
            events: types.value.trim(),
            recipients: recipients.value.trim(),
            cursor: undefined,
            event: undefined,
          });
        },
      },
      h('label', { class: 'control' }, 'Event types ', types),
      h('label', { class: 'control' }, 'Recipients ', recipients),
      h('button', { type: 'submit' }, 'Search'),
    );
    const summaryLine = h('p', { id: 'events-count' });
    const list = h('div', { id: 'events-table' });
    const pager = h('div', { class: 'pager' });
    const json = h('section', { id: 'event-json' });
    fill(view, form, summaryLine, h('div', { class: 'split' }, h('div', {}, list, pager), json));
    return async () => {
      const { from, to } = range();
      const body = await api<{ results: EventRow[]; total_count: number; links: { next?: string } }>(
        '/api/v1/events/message',
        {
          from: `${from}T00:00:00Z`,
          to: `${dayAfter(to)}T00:00:00Z`,
          per_page: PER_PAGE,
          cursor: param('cursor') || undefined,
          events: param('events') || undefined,
          recipients: param('recipients') || undefined,
          ...facetFilters(),
        },
      );
      const selected = param('event');
      fill(
        summaryLine,
        `${fmt.int(body.total_count)} events match`,
        param('cursor') ? ' (a later page)' : '',
      );
      summaryLine.dataset.value = String(body.total_count);
      fill(
        list,
        sortableTable(
          'events',
          [
            {
              key: 'time',
              label: 'Time (UTC)',
              value: (e) => e.timestamp,
              show: (e) => fmt.time(e.timestamp),
            },
            { key: 'type', label: 'Type', value: (e) => e.type },
            { key: 'rcpt', label: 'Recipient', value: (e) => String(e.rcpt_to ?? e.rcpt_hash ?? '') },
            { key: 'campaign', label: 'Campaign', value: (e) => String(e.campaign_id ?? '') },
            { key: 'pool', label: 'IP pool', value: (e) => String(e.ip_pool ?? '') },
            { key: 'subject', label: 'Subject', value: (e) => String(e.subject ?? '') },
            { key: 'detail', label: 'Detail', value: detail },
          ],
          body.results,
          { rowKey: (e) => e.event_id, selected, onSelect: (e) => setParams({ event: e.event_id }, true) },
        ),
      );
      const next = body.links.next ? new URLSearchParams(body.links.next.split('?')[1]).get('cursor') : null;
      fill(
        pager,
        param('cursor')
          ? h(
              'button',
              { type: 'button', onclick: () => setParams({ cursor: undefined, event: undefined }) },
              'First page',
            )
          : null,
        next
          ? h(
              'button',
              { type: 'button', onclick: () => setParams({ cursor: next, event: undefined }) },
              'Next page',
            )
          : null,
      );
      const event = body.results.find((e) => e.event_id === selected);
      fill(
        json,
        event
          ? h(
              'div',
              {},
              h('h2', {}, `${event.type} ${event.event_id}`),
              h('pre', { class: 'json' }, JSON.stringify(event, null, 2)),
            )
          : h('p', { class: 'hint' }, 'Click an event to see all of its fields.'),
      );
    };
  },
};
