// What every page provides, and what several pages share: the facets the Signals and Metrics APIs
// group by, and the request parameters of the selected range and filters.
import { dayStart } from '../dom.js';
import { facetFilters, range } from '../filters.js';
import { param } from '../url-state.js';

export interface Page {
  title: string;
  /** Builds the page's controls and containers in `view`; returns what (re)loads its data. */
  mount(view: HTMLElement): () => Promise<void>;
}

export interface Facet {
  /** The Signals API path segment, also the Metrics API group-by path. */
  path: string;
  label: string;
  /** The key of the facet value in Signals rows and in Metrics group-by rows. */
  signalsKey: string;
  metricsKey: string;
}

export const FACETS: Facet[] = [
  { path: 'campaign', label: 'Campaign', signalsKey: 'campaign_id', metricsKey: 'campaign_id' },
  { path: 'ip-pool', label: 'IP pool', signalsKey: 'ip_pool', metricsKey: 'ip_pool' },
  { path: 'sending-ip', label: 'Sending IP', signalsKey: 'sending_ip', metricsKey: 'sending_ip' },
  {
    path: 'sending-domain',
    label: 'Sending domain',
    signalsKey: 'sending_domain',
    metricsKey: 'sending_domain',
  },
  {
    path: 'mailbox-provider',
    label: 'Mailbox provider',
    signalsKey: 'mb_provider',
    metricsKey: 'mailbox_provider',
  },
  { path: 'subaccount', label: 'Subaccount', signalsKey: 'sid', metricsKey: 'subaccount_id' },
];

export function selectedFacet(name = 'facet'): Facet {
  return FACETS.find((f) => f.path === param(name)) ?? FACETS[0]!;
}

/** A facet value as people read it. */
export function facetLabel(value: unknown): string {
  if (value === -1) return 'All subaccounts';
  if (value === '' || value === null || value === undefined) return '(none)';
  return String(value);
}

/** Parameters of a Signals request for the current range and filters. */
export function signalsParams(extra: Record<string, string | number | undefined> = {}) {
  return { ...range(), ...facetFilters(), ...extra };
}

/** Unix seconds of each history entry's `dt`. */
export const xsOf = (history: Array<{ dt: string }>) => history.map((h) => dayStart(h.dt));
