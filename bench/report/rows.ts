import type { Results } from '../parts/index.ts';
import type { Spread } from '../stats.ts';
import { ms, num, type Row, ratio, withRange } from '../table.ts';
import type { Breakdown, Measured } from '../throughput.ts';
import { tracingRows } from './tracing-rows.ts';
import { webhookRows } from './webhook-rows.ts';

const range = (s: Spread, unit = '') => withRange(s.median, s.min, s.max, unit);
const runs = (s: Spread, what = 'runs') => `median (min–max) of ${s.samples} ${what}`;

/** The printed table: one section per part that ran. */
export function buildRows(r: Results): Row[] {
  return [
    ...probeRows(r),
    ...coreRows(r),
    ...boundsRows(r),
    ...leverRows(r),
    ...endToEndRows(r),
    ...loadRows(r),
    ...oidcRows(r),
    ...validationRows(r),
    ...webhookRows(r),
    ...scalingRows(r),
    ...tracingRows(r),
  ];
}

function probeRows({ probes }: Results): Row[] {
  if (!probes) return [];
  return [
    { label: 'Machine' },
    { label: 'Postgres round trip (select 1)', value: ms(probes.roundTripMs) },
    { label: 'commit of a one-row write (WAL flush)', value: ms(probes.commitMs) },
  ];
}

function coreRows({ core: c }: Results): Row[] {
  if (!c) return [];
  const ratioTo = (b: { numbersPerSec: Spread }) =>
    ratio(c.service.numbersPerSec.median / b.numbersPerSec.median);
  const methods = [
    { label: `service: runJob, chunks of ${c.chunkSize}`, m: c.service },
    ...(c.serviceClear
      ? [{ label: 'service: clear-removal-status, same chunks', m: c.serviceClear }]
      : []),
    ...(c.serviceOneChunk
      ? [{ label: 'service: runJob, one 500-number chunk', m: c.serviceOneChunk }]
      : []),
    { label: 'naive: 1 transaction, 5 round trips per number', m: c.naive },
    { label: 'floor: 1 bulk UPDATE + history insert per job', m: c.floor },
  ];
  return [
    { label: '1. Worker core — numbers/s on 500-number jobs, one job at a time' },
    ...methods.map(({ label, m }, i) => ({
      label,
      value: range(m.numbersPerSec),
      ...(i === 0 ? { note: `${runs(m.numbersPerSec)}` } : {}),
    })),
    { label: 'service / naive', value: ratioTo(c.naive), note: 'target ≥ 20×' },
    ...(c.serviceClear
      ? [
          {
            label: 'clear-removal-status / ready-for-removal',
            value: ratio(c.serviceClear.numbersPerSec.median / c.service.numbersPerSec.median),
            note: 'target ≈ 1×',
          },
        ]
      : []),
    { label: 'service / floor', value: ratioTo(c.floor), note: 'target ≥ 0.6×' },
    ...breakdownRows(methods.map(({ label, m }) => ({ label: shortLabel(label), m }))),
  ];
}

function leverRows({ levers }: Results): Row[] {
  if (!levers) return [];
  const deployed = levers.variants[0]?.measured.numbersPerSec.median ?? Number.NaN;
  return [
    { label: '1c. Levers — runJob numbers/s on schema variants (diagnosis only)' },
    ...levers.variants.map(({ label, measured }, i) => ({
      label,
      value: range(measured.numbersPerSec),
      note:
        `${ratio(measured.numbersPerSec.median / deployed)} of as deployed` +
        (measured.breakdown ? `; ${breakdown(measured.breakdown)} per 1,000` : '') +
        (i === 0 ? `; ${runs(measured.numbersPerSec)}` : ''),
    })),
  ];
}

const shortLabel = (label: string) =>
  label.split(':')[0] +
  (label.includes('one 500') ? ' (one chunk)' : label.includes('clear-removal') ? ' (clear)' : '');

/** The CPU split (`--diagnose`): nothing when the methods were measured without it. */
function breakdownRows(methods: { label: string; m: Measured }[]): Row[] {
  const split = methods.flatMap(({ label, m }) =>
    m.breakdown ? [{ label, value: breakdown(m.breakdown) }] : [],
  );
  if (split.length === 0) return [];
  return [{ label: '   where the time goes, per 1,000 numbers' }, ...split];
}

function breakdown(b: Breakdown): string {
  const pg = b.postgresCpuMs;
  const waits = b.wallMs - b.nodeCpuMs - (pg ?? 0);
  return `${num(b.wallMs)} ms = node ${num(b.nodeCpuMs)} + pg ${pg === undefined ? 'n/a' : num(pg)} + waits ${num(waits)}`;
}

function boundsRows({ bounds }: Results): Row[] {
  if (!bounds) return [];
  return [
    { label: '1b. What bounds the worker — runJob numbers/s (diagnosis only)' },
    ...bounds.variants.map((v) => ({ label: v.label, value: range(v.measured.numbersPerSec) })),
    ...breakdownRows(bounds.variants.map((v) => ({ label: v.label, m: v.measured }))),
  ];
}

function endToEndRows({ e2e }: Results): Row[] {
  if (!e2e) return [];
  const l = e2e.latencyMs;
  const outcome =
    e2e.failures === 0 ? 'all answered 200 success' : `${e2e.failures} did not fully succeed`;
  return [
    { label: '2. End to end — synchronous 500-number request over HTTP, warm service' },
    { label: 'p50', value: ms(l.p50), note: `${l.samples} sequential requests; target ≤ 50 ms` },
    { label: 'p95', value: ms(l.p95) },
    { label: 'p99', value: ms(l.p99) },
    {
      label: 'intake only (Prefer: respond-async → 202) p50 / p99',
      value: `${num(e2e.intakeLatencyMs.p50)} / ${num(e2e.intakeLatencyMs.p99)} ms`,
      note: `${e2e.intakeLatencyMs.samples} requests: validation, auth, rate limit, job row, enqueue`,
    },
    { label: 'service CPU per request', value: ms(e2e.serviceCpuMsPerRequest), note: outcome },
  ];
}

function loadRows({ load: d }: Results): Row[] {
  if (!d) return [];
  const statuses = Object.entries(d.statusCounts)
    .map(([s, n]) => `${n}× ${s}`)
    .join(', ');
  const pg = d.postgresCpuMsPer1000Numbers;
  return [
    {
      label: `3. Admitted load — ${num(d.requestsPerMinute)} requests/min × 500 numbers for ${num(d.seconds)} s`,
    },
    { label: 'requests fully succeeded', value: `${d.succeeded} / ${d.requests}`, note: statuses },
    { label: 'numbers moved per second', value: num(d.numbersPerSec), note: 'offered: 2,500/s' },
    { label: 'latency p50 / p99', value: `${num(d.latencyMs.p50)} / ${num(d.latencyMs.p99)} ms` },
    {
      label: 'backlog: most jobs waiting in the queue',
      value: num(d.maxWaiting),
      note: `most active ${d.maxActive}; ${d.backlogSamples} samples, every 250 ms`,
    },
    { label: 'jobs unfinished after the last answer', value: num(d.unfinishedJobs) },
    {
      label: 'service CPU per 1,000 numbers',
      value: ms(d.serviceCpuMsPer1000Numbers),
      note: 'API + worker process',
    },
    ...(pg === undefined
      ? []
      : [
          {
            label: 'Postgres CPU per 1,000 numbers',
            value: ms(pg),
            note: 'the service’s backends (/proc); WAL writer etc. excluded',
          },
        ]),
  ];
}

function validationRows({ validation: v }: Results): Row[] {
  if (!v) return [];
  return [
    { label: '4. Validation — one 500-number body' },
    {
      label: 'validate, numbers never seen before',
      value: range(v.coldUsPerBody, ' µs'),
      note: `${v.validator}; ${runs(v.coldUsPerBody, 'batches')}`,
    },
    { label: 'validate, numbers seen before (memoised)', value: range(v.warmUsPerBody, ' µs') },
    { label: 'JSON.parse of the same body, for scale', value: range(v.parseUsPerBody, ' µs') },
  ];
}

function scalingRows({ scaling, core }: Results): Row[] {
  if (!scaling) return [];
  const naive = core?.naive.numbersPerSec.median;
  const vsNaive = (s: Spread) => (naive ? `${ratio(s.median / naive)} the naive loop` : undefined);
  return [
    { label: '5. Scaling — numbers/s' },
    ...scaling.inProcess.map((s) => ({
      label: `runJob in one process, ${s.concurrency} concurrent job(s)`,
      value: range(s.numbersPerSec),
      note: vsNaive(s.numbersPerSec),
    })),
    ...scaling.queued.map((s) => ({
      label: `via BullMQ: ${s.processes} worker process(es) × concurrency ${s.concurrency}`,
      value: range(s.numbersPerSec),
      note: ['enqueue to last completion', vsNaive(s.numbersPerSec)].filter(Boolean).join('; '),
    })),
  ];
}

function oidcRows({ oidc: o }: Results): Row[] {
  if (!o) return [];
  const p = (l: { p50: number; p99: number; samples: number }) =>
    `p50 ${ms(l.p50)}, p99 ${ms(l.p99)} (${l.samples} requests)`;
  return [
    { label: '3b. OpenID Connect tokens — sync 500-number requests, key and token interleaved' },
    { label: 'API key', value: p(o.keyLatencyMs) },
    { label: 'access token (RS256)', value: p(o.tokenLatencyMs) },
    { label: 'added by the token (p50)', value: ms(o.addedP50Ms), note: `${o.failures} failures` },
    {
      label: `JWKS fetches in ${num(o.loadSeconds)} s of admitted token load`,
      value: num(o.jwksFetchesDuringLoad),
      note: `${num(o.loadSucceeded)}/${num(o.loadRequests)} requests succeeded; ${o.jwksFetchesTotal} fetch(es) since start incl. warm-up; expect ≤ 1`,
    },
  ];
}
