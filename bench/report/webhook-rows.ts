import type { Results } from '../parts/index.ts';
import type { Spread } from '../stats.ts';
import { num, type Row, withRange } from '../table.ts';
import type { AdmittedResult } from '../webhooks/admitted.ts';
import type { DrainResult } from '../webhooks/drain.ts';

const range = (s: Spread, unit = '') => withRange(s.median, s.min, s.max, unit);
/** Ratios keep two decimals: 0.97 and 0.93 are the difference the 5 % bar is about. */
const ratioRange = (s: Spread) =>
  `${s.median.toFixed(2)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;

/** Webhooks: the admitted load off vs on (the bar), then a saturated drain off vs on. */
export function webhookRows({ webhooks: w }: Results): Row[] {
  if (!w) return [];
  return [
    {
      label: `7. Webhooks — ${w.endpointsPerOperator} endpoints for the operator, a receiver on loopback`,
    },
    ...(w.admitted ? admittedRows(w.admitted) : []),
    ...w.drain.flatMap(drainRows),
  ];
}

function admittedRows(a: AdmittedResult): Row[] {
  const perSide = `median (min–max) of ${a.pairs} runs of ${a.secondsPerRun} s`;
  return [
    {
      label: `admitted load (${num(a.requestsPerMinute)} requests/min): job end → receiver 2xx, p50 / p99`,
      value: `${num(a.deliveryMs.p50)} / ${num(a.deliveryMs.p99)} ms`,
      note: `${a.delivered} of ${a.expected} messages`,
    },
    { label: 'admitted load: numbers/s, off', value: range(a.off.numbersPerSec), note: perSide },
    { label: 'admitted load: numbers/s, on', value: range(a.on.numbersPerSec) },
    {
      label: 'admitted load: on / off numbers/s (pairs)',
      value: ratioRange(a.onOverOff),
      note: `target ≥ 0.95; A/A (same side twice) ${ratioRange(a.control)}`,
    },
    {
      label: 'admitted load: request p50 / p99, off → on',
      value: `${num(a.off.requestMs.p50)} / ${num(a.off.requestMs.p99)} → ${num(a.on.requestMs.p50)} / ${num(a.on.requestMs.p99)} ms`,
      note: `${a.off.failures + a.on.failures} requests not fully successful`,
    },
    {
      label: 'admitted load: job run p50, off → on',
      value: `${range(a.off.jobRunMs)} → ${range(a.on.jobRunMs)} ms`,
    },
    {
      label: 'admitted load: CPU ms (service + Postgres) per 1,000 numbers, off → on',
      value: `${range(a.off.cpuMsPer1000Numbers)} → ${range(a.on.cpuMsPer1000Numbers)}`,
      note: `on / off per pair ${ratioRange(a.cpuOnOverOff)}; A/A ${ratioRange(a.cpuControl)}`,
    },
  ];
}

function drainRows(d: DrainResult): Row[] {
  const extra = d.extraPerDelivery;
  return [
    {
      label: `saturated drain, deliveries ${d.layout === 'together' ? 'in the worker process' : 'in a process of their own'}${d.baseline ? ', BASELINE tree' : ''}: numbers/s off → on`,
      value: `${range(d.off)} → ${range(d.on)}`,
      note: `${d.off.samples} pairs of ${d.jobsPerRun} jobs`,
    },
    {
      label: `saturated drain (${d.layout}): on / off (pairs)`,
      value: ratioRange(d.onOverOff),
      note: `A/A ${ratioRange(d.control)}; last delivery ${num(d.deliveryTailMs.median)} ms after the last job`,
    },
    {
      label: `saturated drain (${d.layout}): CPU ms (workers + Postgres) per 1,000 numbers, off → on`,
      value: `${range(d.cpuOff)} → ${range(d.cpuOn)}`,
      note: `on / off ${ratioRange(d.cpuOnOverOff)}; A/A ${ratioRange(d.cpuControl)}`,
    },
    {
      label: `saturated drain (${d.layout}): extra CPU ms per delivery, worker / Postgres / Redis / bench (receiver)`,
      value: [extra.worker, extra.postgres, extra.redis, extra.bench]
        .map((s) => s.median.toFixed(2))
        .join(' / '),
      note: 'on − off per pair, medians; Redis is the whole server',
    },
  ];
}
