// The filter bar every page shares: a range of whole UTC days and the facet filters the Signals,
// Metrics and Events APIs all take (campaigns, ip_pools, sending_ips, sending_domains,
// mailbox_providers, subaccounts). Values go to the URL; suggestions come from the Metrics API's
// value lists when the key may read them.
import { api } from './api.js';
import { dayStart, h, isoDay } from './dom.js';
import { param, setParams } from './url-state.js';

export const FILTERS = [
  { name: 'campaigns', label: 'Campaign', list: 'campaigns' },
  { name: 'ip_pools', label: 'IP pool', list: 'ip-pools' },
  { name: 'sending_ips', label: 'Sending IP', list: 'sending-ips' },
  { name: 'sending_domains', label: 'Sending domain', list: 'sending-domains' },
  { name: 'mailbox_providers', label: 'Mailbox provider', list: 'mailbox-providers' },
  { name: 'subaccounts', label: 'Subaccount', list: undefined },
] as const;

/** Parameters that follow the user from page to page. */
export const SHARED = ['from', 'to', ...FILTERS.map((f) => f.name)];

const DAY_MS = 86_400_000;

/** The selected days (both included), by default the 14 days ending today (UTC). */
export function range(): { from: string; to: string } {
  const to = param('to', isoDay(new Date()));
  const from = param('from', isoDay(new Date(dayStart(to) * 1000 - 13 * DAY_MS)));
  return { from, to };
}

/** The facet filters as API parameters. */
export function facetFilters(): Record<string, string | undefined> {
  return Object.fromEntries(FILTERS.map((f) => [f.name, param(f.name) || undefined]));
}

/** The day after `to` at 00:00, for APIs whose `to` is exclusive. */
export function dayAfter(day: string): string {
  return isoDay(new Date(dayStart(day) * 1000 + DAY_MS));
}

export function filterBar(): HTMLElement {
  const { from, to } = range();
  const fromInput = h('input', { type: 'date', name: 'from', value: from, 'aria-label': 'From' });
  const toInput = h('input', { type: 'date', name: 'to', value: to, 'aria-label': 'To' });
  const inputs = FILTERS.map((f) =>
    h('input', {
      type: 'text',
      name: f.name,
      value: param(f.name),
      placeholder: f.label,
      'aria-label': f.label,
      list: f.list ? `list-${f.name}` : undefined,
      size: 12,
    }),
  );
  const lists = FILTERS.filter((f) => f.list).map((f) => h('datalist', { id: `list-${f.name}` }));
  const form = h(
    'form',
    {
      class: 'filters',
      onsubmit: (event: Event) => {
        event.preventDefault();
        const updates: Record<string, string> = { from: fromInput.value, to: toInput.value };
        for (const input of inputs) updates[input.name] = input.value.trim();
        setParams(updates);
      },
    },
    h('label', {}, 'From ', fromInput),
    h('label', {}, 'to ', toInput),
    ...inputs,
    h('button', { type: 'submit' }, 'Apply'),
    h(
      'button',
      {
        type: 'button',
        class: 'link',
        onclick: () => setParams(Object.fromEntries(FILTERS.map((f) => [f.name, undefined]))),
      },
      'Clear filters',
    ),
    ...lists,
  );
  void suggest(lists, from, to);
  return form;
}

async function suggest(lists: HTMLDataListElement[], from: string, to: string): Promise<void> {
  await Promise.all(
    lists.map(async (list) => {
      const filter = FILTERS.find((f) => `list-${f.name}` === list.id);
      if (!filter?.list) return;
      try {
        const body = await api<{ results: Record<string, string[]> }>(`/api/v1/metrics/${filter.list}`, {
          from: `${from}T00:00:00Z`,
          to: `${dayAfter(to)}T00:00:00Z`,
          limit: 200,
        });
        const values = Object.values(body.results)[0] ?? [];
        list.replaceChildren(...values.map((v) => h('option', { value: v })));
      } catch {
        // a key without metrics/view simply gets no suggestions
      }
    }),
  );
}
