import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createMetricsRegistry } from '../../src/metrics/registry.ts';
import { useApiSuite } from '../support/app.ts';
import { readPromql } from '../support/promql.ts';

// The Grafana dashboard and the alert rules (deploy/) may only query what the service really
// exports: names and labels are read from a real scrape of the real API and worker (one
// registry, as `npm start` runs them) after a real job, a 429 and a 503-free run of requests.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BOARD = { BULL_BOARD_USER: 'ops', BULL_BOARD_PASSWORD: 'dashboard-pass' };
const BASIC = `Basic ${Buffer.from('ops:dashboard-pass').toString('base64')}`;

/**
 * Queried before the service exports them: the webhook delivery metrics, whose names and
 * labels are fixed in docs/operations.md ("Webhook metrics"). Once exported, the scrape's own
 * labels are checked instead.
 */
const NOT_YET_EXPORTED: Record<string, string[]> = {
  ocn_webhook_deliveries_total: ['outcome'],
  ocn_webhook_oldest_pending_seconds: [],
  ocn_webhook_endpoints_disabled_total: ['reason'],
};
/** Made by Prometheus itself for every target, and the labels it adds to every series. */
const FROM_PROMETHEUS: Record<string, string[]> = { up: [] };
const TARGET_LABELS = ['job', 'instance'];
/** Grafana's reference to the data source variable (its syntax, not a JS template). */
const DS_UID = `\${DS_PROMETHEUS}`;

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { expr: string; refId: string; datasource?: { uid: string } }[];
}

const dashboard = JSON.parse(readFileSync(`${ROOT}/deploy/grafana/oc-numbers.json`, 'utf8'));
const panels: Panel[] = dashboard.panels;
const queried = panels.filter((p) => p.type !== 'row');

const suite = useApiSuite(
  'deploy-dashboard',
  { ...BOARD, AUTH_FAILURE_LIMIT_MAX: '1' },
  { worker: true, metricsRegistry: createMetricsRegistry() },
);

/** Every series name of the scrape with the label names its samples carry. */
let exported: Map<string, Set<string>>;

beforeAll(async () => {
  const numbers = await suite.marked(3);
  const job = await suite.post('/api/v3/oc/numbers/action/ready-for-removal', {
    telephoneNumbers: numbers,
  });
  expect(job.statusCode).toBe(200);
  // One failed login spends the budget of 1: the next answer is a 429.
  const wrong = { authorization: `Basic ${Buffer.from('ops:wrong').toString('base64')}` };
  expect((await suite.api.app.inject({ url: '/metrics', headers: wrong })).statusCode).toBe(401);
  expect((await suite.api.app.inject({ url: '/metrics', headers: wrong })).statusCode).toBe(429);
  const scrape = await suite.api.app.inject({
    url: '/metrics',
    remoteAddress: '127.0.0.2',
    headers: { authorization: BASIC },
  });
  expect(scrape.statusCode).toBe(200);
  exported = seriesLabels(scrape.body);
});

function seriesLabels(text: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? /.exec(line);
    if (!match?.[1]) throw new Error(`not a sample line: ${line}`);
    const labels = out.get(match[1]) ?? new Set<string>();
    for (const m of (match[2] ?? '').matchAll(/([a-zA-Z_]\w*)="/g)) labels.add(m[1] ?? '');
    out.set(match[1], labels);
  }
  return out;
}

/** What is wrong with one expression: unknown metrics, or labels a metric does not carry. */
function problemsOf(where: string, expr: string, alsoKnown: Record<string, string[]> = {}) {
  const problems: string[] = [];
  const { selectors, grouping } = readPromql(expr);
  const available = new Set(TARGET_LABELS);
  for (const { metric, labels } of selectors) {
    const known =
      exported.get(metric) ??
      (NOT_YET_EXPORTED[metric] && new Set(NOT_YET_EXPORTED[metric])) ??
      (FROM_PROMETHEUS[metric] && new Set(FROM_PROMETHEUS[metric])) ??
      (alsoKnown[metric] && new Set(alsoKnown[metric]));
    if (!known) {
      problems.push(`${where}: ${metric} is not exported by the service`);
      continue;
    }
    for (const label of known) available.add(label);
    for (const label of labels) {
      if (!known.has(label) && !TARGET_LABELS.includes(label))
        problems.push(`${where}: ${metric} has no label ${label}`);
    }
  }
  for (const label of grouping) {
    if (!available.has(label)) problems.push(`${where}: no metric of it has the label ${label}`);
  }
  return problems;
}

describe('the Grafana dashboard (deploy/grafana/oc-numbers.json)', () => {
  it('is a provisioning-ready dashboard over a Prometheus data source variable', () => {
    expect(dashboard).toMatchObject({ uid: 'oc-numbers', title: 'oc-numbers', id: null });
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(42);
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', query: 'prometheus' }),
    );
    expect(dashboard.__inputs).toBeUndefined();
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const panel of queried) {
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: DS_UID });
      expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
      const targets = panel.targets ?? [];
      expect(targets.length, panel.title).toBeGreaterThan(0);
      expect(new Set(targets.map((t) => t.refId)).size, panel.title).toBe(targets.length);
      for (const target of targets) expect(target.datasource?.uid).toBe(DS_UID);
    }
  });

  it('has a panel for each thing an on-call engineer looks at', () => {
    const used = new Set(
      queried.flatMap((p) => p.targets ?? []).flatMap((t) => readPromql(t.expr).selectors),
    );
    const metrics = new Set([...used].map((s) => s.metric));
    for (const metric of [
      'ocn_http_requests_total',
      'ocn_http_request_duration_seconds_bucket',
      'ocn_rate_limit_rejections_total',
      'ocn_numbers_processed_total',
      'ocn_queue_jobs',
      'ocn_oldest_queued_job_seconds',
      'ocn_jobs_ended_total',
      'ocn_chunk_duration_seconds_bucket',
      'ocn_webhook_deliveries_total',
      'ocn_ready',
    ])
      expect(metrics).toContain(metric);
  });

  it('queries only metrics and labels that the service exports', () => {
    const problems = queried.flatMap((panel) =>
      (panel.targets ?? []).flatMap((t) => problemsOf(`"${panel.title}" ${t.refId}`, t.expr)),
    );
    expect(problems).toEqual([]);
  });

  it('finds an unknown metric or label (the check itself)', () => {
    expect(problemsOf('x', 'sum by (route) (rate(ocn_http_request_total[5m]))')).toEqual([
      'x: ocn_http_request_total is not exported by the service',
      'x: no metric of it has the label route',
    ]);
    expect(
      problemsOf('x', 'sum(rate(ocn_numbers_processed_total{operation="a",op="b"}[5m]))'),
    ).toEqual(['x: ocn_numbers_processed_total has no label op']);
  });
});

describe('the alert rules (deploy/prometheus/alerts.yml)', () => {
  interface Rule {
    alert?: string;
    record?: string;
    expr: string;
  }
  const rules: Rule[] = parseYaml(
    readFileSync(`${ROOT}/deploy/prometheus/alerts.yml`, 'utf8'),
  ).groups.flatMap((g: { rules: Rule[] }) => g.rules);

  it('query only metrics and labels that the service exports (or that a rule records)', () => {
    const recorded = Object.fromEntries(
      rules.flatMap((r) => (r.record ? [[r.record, [] as string[]]] : [])),
    );
    const problems = rules.flatMap((r) => problemsOf(r.alert ?? r.record ?? '?', r.expr, recorded));
    expect(problems).toEqual([]);
  });
});
