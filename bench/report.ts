import type { Results } from './parts/index.ts';
import type { Spread } from './stats.ts';
import { ms, num, type Row, ratio, withRange } from './table.ts';

const range = (s: Spread, unit = '') => withRange(s.median, s.min, s.max, unit);
const runs = (s: Spread) => `median (min–max) of ${s.samples} runs`;

/** The printed table: one section per part that ran. */
export function buildRows(r: Results): Row[] {
  const rows: Row[] = [];
  if (r.probes) {
    rows.push({ label: 'Machine' });
    rows.push({ label: 'Postgres round trip (select 1)', value: ms(r.probes.roundTripMs) });
    rows.push({ label: 'commit of a one-row write (WAL flush)', value: ms(r.probes.commitMs) });
  }
  if (r.core) {
    const c = r.core;
    rows.push({ label: '1. Worker core — numbers/s on 500-number jobs' });
    rows.push({
      label: `service: runJob, chunks of ${c.chunkSize}`,
      value: range(c.service),
      note: `${runs(c.service)}; target ≥ 20,000`,
    });
    if (c.serviceOneChunk) {
      rows.push({
        label: 'service: runJob, one 500-number chunk',
        value: range(c.serviceOneChunk),
      });
    }
    rows.push({ label: 'naive: 1 transaction, 6 round trips per number', value: range(c.naive) });
    rows.push({ label: 'floor: 1 bulk UPDATE + history insert per job', value: range(c.floor) });
    rows.push({
      label: 'service / naive',
      value: ratio(c.service.median / c.naive.median),
      note: 'target ≥ 20×',
    });
    rows.push({ label: 'service / floor', value: ratio(c.service.median / c.floor.median) });
  }
  if (r.e2e) {
    const l = r.e2e.latencyMs;
    rows.push({ label: '2. End to end — synchronous 500-number request over HTTP' });
    rows.push({
      label: 'p50',
      value: ms(l.p50),
      note: `${l.samples} sequential requests; target ≤ 100 ms`,
    });
    rows.push({ label: 'p95', value: ms(l.p95) });
    rows.push({ label: 'p99', value: ms(l.p99) });
    rows.push({
      label: 'service CPU per request',
      value: ms(r.e2e.serviceCpuMsPerRequest),
      note: failures(r.e2e.failures),
    });
  }
  if (r.load) {
    const d = r.load;
    rows.push({
      label: `3. Admitted load — ${num(d.requestsPerMinute)} requests/min × 500 numbers for ${num(d.seconds)} s`,
    });
    rows.push({
      label: 'requests fully succeeded',
      value: `${d.succeeded} / ${d.requests}`,
      note: statuses(d.statusCounts),
    });
    rows.push({
      label: 'numbers moved per second',
      value: num(d.numbersPerSec),
      note: 'offered: 2,500/s',
    });
    rows.push({
      label: 'latency p50 / p99',
      value: `${num(d.latencyMs.p50)} / ${num(d.latencyMs.p99)} ms`,
    });
    rows.push({
      label: 'backlog: max jobs waiting in the queue',
      value: num(d.maxWaiting),
      note: `max active ${d.maxActive}; ${d.backlogSamples} samples, every 250 ms`,
    });
    rows.push({ label: 'jobs unfinished after the last answer', value: num(d.unfinishedJobs) });
    rows.push({
      label: 'service CPU per 1,000 numbers',
      value: ms(d.serviceCpuMsPer1000Numbers),
      note: 'API + worker process',
    });
    rows.push({
      label: 'Postgres CPU per 1,000 numbers',
      value:
        d.postgresCpuMsPer1000Numbers === undefined ? 'n/a' : ms(d.postgresCpuMsPer1000Numbers),
      note: 'the service’s backends, from /proc; WAL writer etc. excluded',
    });
  }
  if (r.validation) {
    const v = r.validation;
    rows.push({ label: '4. Validation — one 500-number body' });
    rows.push({
      label: `validate (${v.validator})`,
      value: range(v.validateUsPerBody, ' µs'),
      note: runs(v.validateUsPerBody).replace('runs', 'batches'),
    });
    rows.push({
      label: 'JSON.parse of the same body, for scale',
      value: range(v.parseUsPerBody, ' µs'),
    });
  }
  if (r.scaling) {
    rows.push({ label: '5. Scaling — numbers/s' });
    for (const s of r.scaling.inProcess) {
      rows.push({
        label: `runJob in one process, ${s.concurrency} concurrent job(s)`,
        value: range(s.numbersPerSec),
      });
    }
    for (const s of r.scaling.queued) {
      rows.push({
        label: `via BullMQ: ${s.processes} worker process(es) × concurrency ${s.concurrency}`,
        value: range(s.numbersPerSec),
        note: 'enqueue to last completion',
      });
    }
  }
  return rows;
}

const failures = (n: number) =>
  n === 0 ? 'all answered 200 success' : `${n} requests did not fully succeed`;
const statuses = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([status, n]) => `${n}× ${status}`)
    .join(', ');

/** The top-level keys of results.json: medians, flat, for scripts and dashboards. */
export function flatten(r: Results): Record<string, number | undefined> {
  const out: Record<string, number | undefined> = {};
  if (r.probes) {
    out.roundTripMs = round(r.probes.roundTripMs, 3);
    out.commitMs = round(r.probes.commitMs, 2);
  }
  if (r.core) {
    const c = r.core;
    out.workerNumbersPerSec = round(c.service.median);
    out.workerOneChunkNumbersPerSec = c.serviceOneChunk && round(c.serviceOneChunk.median);
    out.naiveNumbersPerSec = round(c.naive.median);
    out.floorNumbersPerSec = round(c.floor.median);
    out.workerVsNaive = round(c.service.median / c.naive.median, 2);
    out.workerVsFloor = round(c.service.median / c.floor.median, 2);
  }
  if (r.e2e) {
    out.sync500P50Ms = round(r.e2e.latencyMs.p50, 1);
    out.sync500P95Ms = round(r.e2e.latencyMs.p95, 1);
    out.sync500P99Ms = round(r.e2e.latencyMs.p99, 1);
  }
  if (r.load) {
    out.loadNumbersPerSec = round(r.load.numbersPerSec);
    out.loadMaxBacklog = r.load.maxWaiting;
    out.loadServiceCpuMsPer1000Numbers = round(r.load.serviceCpuMsPer1000Numbers, 1);
    out.loadPostgresCpuMsPer1000Numbers =
      r.load.postgresCpuMsPer1000Numbers === undefined
        ? undefined
        : round(r.load.postgresCpuMsPer1000Numbers, 1);
  }
  if (r.validation) out.validationUsPerBody = round(r.validation.validateUsPerBody.median);
  if (r.scaling) {
    for (const s of r.scaling.inProcess)
      out[`scaling${s.concurrency}JobsNumbersPerSec`] = round(s.numbersPerSec.median);
    for (const s of r.scaling.queued) {
      out[`scaling${s.processes}ProcessesNumbersPerSec`] = round(s.numbersPerSec.median);
    }
  }
  return out;
}

function round(v: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
