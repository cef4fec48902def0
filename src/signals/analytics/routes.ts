// GET /api/v1/signals/{report}/{facet} (reference sparkpost-api.md §6.2): health-score, spam-hits,
// cohort-engagement, eng-cohort, unsub-cohort, fbl-cohort. Each request reads the cohort rollup
// (and, for the trap reports, the sends to listed traps), builds one row per facet value, orders
// and pages the rows, and answers {"results":{"total_count":N,"data":[…]}}.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SignalsDeps } from '../http/deps.js';
import { invalidParam } from '../http/errors.js';
import type { Query } from '../http/params.js';
import { COMPONENTS, HISTORY_DAYS, MIN_TRACKED_SENDS } from './health-score.js';
import { type SignalsRequest, signalsRequest } from './params.js';
import { REPORTS, type Report, type Row, weekOverWeek } from './reports.js';
import { CohortRollupJob } from './rollup-job.js';
import { ALL_SUBACCOUNTS, daysOf, gather, type Series } from './series.js';
import { NO_TRAPS, trapCounting } from './traps.js';
import { registerUploaders } from './uploaders.js';

const BASE = '/api/v1/signals';

export function registerSignalsRoutes(app: FastifyInstance, deps: SignalsDeps): void {
  const job = new CohortRollupJob({
    store: deps.store,
    now: deps.now,
    log: deps.log.child({ component: 'signals-rollup' }),
    retention: deps.retention ?? 90 * 86400,
    traps: () => {
      const set = deps.spamTraps?.current();
      return set && trapCounting(set);
    },
    busy: () => deps.pipeline.backlog > 0,
  });
  app.addHook('onReady', async () => job.start());
  app.addHook('onClose', async () => job.stop());
  registerUploaders(app, deps);

  // The health score's documented model (docs/health-score.md), for the dashboard to explain it.
  app.get(`${BASE}/health-score-model`, async (request) => {
    deps.keys.authenticate(request, ['signals/view']);
    return {
      results: {
        minimum_tracked_sends: MIN_TRACKED_SENDS,
        bands: { good: 0.8, warning: 0.55 },
        components: COMPONENTS.map(({ type, label, weight, kind, scale, explain }) => ({
          weight_type: type,
          label,
          weight,
          kind,
          [kind === 'problem' ? 'saturation' : 'target']: scale,
          explain,
        })),
      },
    };
  });

  for (const [name, report] of Object.entries(REPORTS)) {
    const handler = async (request: FastifyRequest) => {
      const auth = deps.keys.authenticate(request, ['signals/view']);
      const facet = (request.params as { facet?: string }).facet ?? '';
      const req = signalsRequest(facet, request.query as Query, deps.now(), auth.subaccount);
      const traps = name === 'health-score' || name === 'spam-hits' ? deps.spamTraps?.current() : undefined;
      const series = await gather(deps.store, req, {
        historyDays: name === 'health-score' ? HISTORY_DAYS : 0,
        traps: traps ?? NO_TRAPS,
      });
      return { results: page(req, report, rows(req, report, series)) };
    };
    app.get(`${BASE}/${name}`, handler);
    app.get(`${BASE}/${name}/:facet`, handler);
  }
}

function rows(req: SignalsRequest, report: Report, series: Series): Row[] {
  const days = daysOf(req.from, req.to);
  const out: Row[] = [];
  for (const [value, data] of series) {
    // Values seen only in the history days before the range have no row.
    if (!days.some((day) => (data.get(day)?.total.injected ?? 0) > 0)) continue;
    const history = report.history(data, days);
    const last = history[history.length - 1]!;
    const row: Row = { [req.facet.key]: req.facet.key === 'sid' ? Number(value) : value };
    for (const field of report.current) row[`current_${field}`] = last[field];
    row.WoW = weekOverWeek(history, report.trend);
    row.history = history;
    out.push(row);
  }
  return out;
}

/** The value a row sorts by: `order_by` names a facet key, WoW or a current_* field. */
function sortKey(req: SignalsRequest, report: Report): (row: Row) => unknown {
  const name = req.orderBy ?? report.defaultOrder;
  if (name === req.facet.key || name === 'WoW') return (row) => row[name];
  if (report.current.includes(name)) return (row) => row[`current_${name}`];
  const allowed = [req.facet.key, 'WoW', ...report.current.filter((f) => f !== 'weights')];
  throw invalidParam('order_by', `order_by must be one of ${allowed.join(', ')}`);
}

function page(req: SignalsRequest, report: Report, all: Row[]): { total_count: number; data: Row[] } {
  const key = sortKey(req, report);
  const sign = req.order === 'asc' ? 1 : -1;
  const facetKey = req.facet.key;
  all.sort((a, b) => {
    // The all-subaccounts row leads; rows without a value (null) go last whatever the order.
    if (a[facetKey] === Number(ALL_SUBACCOUNTS)) return -1;
    if (b[facetKey] === Number(ALL_SUBACCOUNTS)) return 1;
    const [x, y] = [key(a), key(b)];
    if (x === y) return String(a[facetKey]).localeCompare(String(b[facetKey]));
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    const cmp =
      typeof x === 'string' && typeof y === 'string' && Number.isNaN(Number(x))
        ? x.localeCompare(y)
        : Number(x) - Number(y);
    return sign * cmp;
  });
  return { total_count: all.length, data: all.slice(req.offset, req.offset + req.limit) };
}
