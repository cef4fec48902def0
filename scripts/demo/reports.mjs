// What a newcomer should find on every dashboard page, checked through the same APIs the dashboard
// calls (docs/dashboard.md): the summary report by campaign, pool, provider, sending IP and
// subaccount; events of every kind the demo produces; the health score; engagement cohorts; the
// integration page's uploads. Each check says what it saw.
const METRICS =
  'count_injected,count_delivered,count_bounce,count_outofband_bounce,count_spam_complaint,count_unique_rendered,count_unique_clicked';
const EVENT_TYPES = [
  'injection',
  'delivery',
  'bounce',
  'delay',
  'out_of_band',
  'spam_complaint',
  'initial_open',
  'open',
  'click',
];

async function api(base, key, path) {
  const response = await fetch(`${base}${path}`, { headers: { authorization: key } });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
}

function summary(facet, key, minimumRows) {
  return {
    name: `summary by ${facet}`,
    async check(base, apiKey, from) {
      const { results } = await api(
        base,
        apiKey,
        `/api/v1/metrics/deliverability/${facet}?from=${from}&metrics=${METRICS}`,
      );
      const rows = results.filter((r) => r.count_delivered > 0);
      const ok = rows.length >= minimumRows && results.some((r) => r.count_unique_rendered > 0);
      return { ok, seen: results.map((r) => `${r[key]}:${r.count_delivered}`).join(' ') };
    },
  };
}

export const CHECKS = [
  summary('campaign', 'campaign_id', 5),
  summary('ip-pool', 'ip_pool', 3),
  summary('mailbox-provider', 'mailbox_provider', 3),
  summary('sending-ip', 'sending_ip', 4),
  summary('subaccount', 'subaccount_id', 3),
  {
    name: 'totals with bounces, out-of-band bounces, complaints, opens and clicks',
    async check(base, apiKey, from) {
      const { results } = await api(
        base,
        apiKey,
        `/api/v1/metrics/deliverability?from=${from}&metrics=${METRICS},count_delayed`,
      );
      const t = results[0];
      const ok = [
        'count_bounce',
        'count_outofband_bounce',
        'count_spam_complaint',
        'count_unique_rendered',
        'count_unique_clicked',
        'count_delayed',
      ].every((m) => t[m] > 0);
      return { ok, seen: JSON.stringify(t) };
    },
  },
  ...EVENT_TYPES.map((type) => ({
    name: `events: ${type}`,
    async check(base, apiKey, from) {
      const { results } = await api(
        base,
        apiKey,
        // `to` now: by default the Events API stops a minute ago, as SparkPost's does.
        `/api/v1/events/message?from=${from}&to=${new Date().toISOString().slice(0, 19)}Z&events=${type}&per_page=1`,
      );
      return {
        ok: results.length > 0,
        seen: results.length ? `${results[0].type} for ${results[0].rcpt_to}` : 'none yet',
      };
    },
  })),
  {
    name: 'health score',
    async check(base, apiKey, from) {
      const { results } = await api(
        base,
        apiKey,
        `/api/v1/signals/health-score/campaign?from=${from.slice(0, 10)}`,
      );
      const rows = results.data;
      const scored = rows.filter((r) => r.current_health_score !== null);
      const sends = rows.reduce((sum, r) => sum + (r.current_total_injection_count ?? 0), 0);
      const seen = rows.map((r) => `${r.campaign_id}:${r.current_health_score ?? 'n/a'}`).join(' ');
      // SparkPost scores a day only from 1,000 tracked sends (docs/health-score.md); a small run has rows, no score.
      const ok = rows.length > 0 && (scored.length > 0 || sends < 2000);
      return { ok, seen: scored.length ? seen : `${seen} (a score needs 1,000 tracked sends a day)` };
    },
  },
  {
    name: 'engagement recency',
    async check(base, apiKey, from) {
      const { results } = await api(
        base,
        apiKey,
        `/api/v1/signals/cohort-engagement/campaign?from=${from.slice(0, 10)}`,
      );
      return { ok: results.data.length > 0, seen: JSON.stringify(results.data[0] ?? null).slice(0, 200) };
    },
  },
  {
    name: 'integration (uploads)',
    async check(base, apiKey) {
      const body = await api(base, apiKey, '/api/v1/ingest/uploaders');
      const list = body.results?.uploaders ?? body.results ?? [];
      return {
        ok: Array.isArray(list) ? list.length > 0 : Object.keys(list).length > 0,
        seen: JSON.stringify(body).slice(0, 200),
      };
    },
  },
];

/** Runs every check once; returns name → { ok, seen } (an error counts as not ok). */
export async function runChecks(base, apiKey, from) {
  const out = {};
  for (const check of CHECKS) {
    try {
      out[check.name] = await check.check(base, apiKey, from);
    } catch (error) {
      out[check.name] = { ok: false, seen: error.message };
    }
  }
  return out;
}
