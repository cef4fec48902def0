// Metrics API filters (reference sparkpost-api.md §5.2): the simple lists (exact values, ORed
// within a parameter, ANDed across) or `query_filters`, JSON groupings of eq / like / notEq /
// notLike per filter key, which replace the simple lists when present.
import { z } from 'zod';
import { invalidParam } from '../http/errors.js';
import { list, type Query, single } from '../http/params.js';
import type { ColumnName } from '../store/columns.js';
import type { Condition } from '../store/query.js';

export const FILTER_COLUMNS: Record<string, ColumnName> = {
  domains: 'recipient_domain',
  campaigns: 'campaign_id',
  templates: 'template_id',
  sending_ips: 'sending_ip',
  ip_pools: 'ip_pool',
  sending_domains: 'sending_domain',
  subaccounts: 'subaccount_id',
  mailbox_providers: 'mailbox_provider',
  mailbox_provider_regions: 'mailbox_provider_region',
};

const values = z
  .array(z.union([z.string().max(1024), z.number()]))
  .min(1)
  .max(1000);
const likeValues = z
  .array(z.string().min(3, 'like values need at least 3 characters').max(1024))
  .min(1)
  .max(1000);
const comparisons = z
  .object({ eq: values, notEq: values, like: likeValues, notLike: likeValues })
  .partial()
  .strict()
  .refine((c) => Object.keys(c).length > 0, 'a filter needs eq, notEq, like or notLike');
const keys = z.partialRecord(z.enum(Object.keys(FILTER_COLUMNS) as [string, ...string[]]), comparisons);
const grouping = z.union([z.object({ AND: keys }).strict(), z.object({ OR: keys }).strict()]);
const schema = z.object({ groupings: z.array(grouping).min(1).max(20) }).strict();

function subaccountValues(name: string, list: Array<string | number>): number[] {
  const numbers = list.map((v) => (typeof v === 'number' ? v : /^\d{1,9}$/.test(v) ? Number(v) : Number.NaN));
  if (numbers.some((n) => !Number.isInteger(n) || n < 0))
    throw invalidParam(name, 'subaccounts are whole numbers');
  return numbers;
}

function comparisonCondition(key: string, c: z.infer<typeof comparisons>): Condition {
  const column = FILTER_COLUMNS[key]!;
  const exact = (list: Array<string | number>) =>
    key === 'subaccounts' ? subaccountValues('query_filters', list) : list.map(String);
  const parts: Condition[] = [];
  if (c.eq) parts.push({ column, in: exact(c.eq) });
  if (c.like) parts.push({ any: c.like.map((v) => ({ column, contains: v })) });
  if (c.notEq) parts.push({ not: { column, in: exact(c.notEq) } });
  if (c.notLike) parts.push(...c.notLike.map((v): Condition => ({ not: { column, contains: v } })));
  return { all: parts };
}

function queryFilters(text: string): Condition[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidParam('query_filters', 'query_filters is not valid JSON');
  }
  const result = schema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw invalidParam('query_filters', `${issue.path.join('.') || 'query_filters'}: ${issue.message}`);
  }
  return result.data.groupings.map((g) => {
    const [mode, filters] = 'AND' in g ? (['all', g.AND] as const) : (['any', g.OR] as const);
    const items = Object.entries(filters).flatMap(([key, c]) => (c ? [comparisonCondition(key, c)] : []));
    return mode === 'all' ? { all: items } : { any: items };
  });
}

/** Filters of a metrics request; `pinned` limits a subaccount key to its own data. */
export function metricFilters(query: Query, pinned: number | undefined): Condition[] {
  const conditions: Condition[] = [];
  const json = single(query, 'query_filters');
  if (json !== undefined) conditions.push(...queryFilters(json));
  else {
    for (const [name, column] of Object.entries(FILTER_COLUMNS)) {
      const items = list(query, name);
      if (!items) continue;
      conditions.push({ column, in: name === 'subaccounts' ? subaccountValues(name, items) : items });
    }
  }
  if (pinned !== undefined) conditions.push({ column: 'subaccount_id', in: [pinned] });
  return conditions;
}
