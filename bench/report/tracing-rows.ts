import type { Results } from '../parts/index.ts';
import { ms, num, type Row, ratio, withRange } from '../table.ts';

/** Tracing on vs off, same run: worker throughput and sync p50, within 5 % of each other. */
export function tracingRows({ tracing: t }: Results): Row[] {
  if (!t) return [];
  const throughput = t.on.numbersPerSec.median / t.off.numbersPerSec.median;
  const p50 = t.on.syncP50Ms.median / t.off.syncP50Ms.median;
  const starts = `median (min–max) of ${t.off.numbersPerSec.samples} service starts each`;
  return [
    { label: '6. Tracing — always-on sampler, OTLP/HTTP protobuf to a local receiver, vs off' },
    {
      label: `worker numbers/s, ${t.jobsPerRun} queued 500-number jobs: off`,
      value: withRange(
        t.off.numbersPerSec.median,
        t.off.numbersPerSec.min,
        t.off.numbersPerSec.max,
      ),
      note: starts,
    },
    {
      label: '  on',
      value: withRange(t.on.numbersPerSec.median, t.on.numbersPerSec.min, t.on.numbersPerSec.max),
      note: `${ratio(throughput)} of off; target ≥ 0.95×`,
    },
    {
      label: '  sampled 1 in 10',
      value: withRange(
        t.sampled.numbersPerSec.median,
        t.sampled.numbersPerSec.min,
        t.sampled.numbersPerSec.max,
      ),
      note: `${ratio(t.sampled.numbersPerSec.median / t.off.numbersPerSec.median)} of off`,
    },
    {
      label: `sync 500-number request p50 (${t.syncRequests} sequential): off / on / sampled`,
      value: `${num(t.off.syncP50Ms.median)} / ${num(t.on.syncP50Ms.median)} / ${num(t.sampled.syncP50Ms.median)} ms`,
      note: `on ${ratio(p50)} of off (target ≤ 1.05×); sampled ${ratio(t.sampled.syncP50Ms.median / t.off.syncP50Ms.median)}`,
    },
    {
      label: 'service CPU per sync request: off / on / sampled',
      value: `${ms(t.off.cpuMsPerRequest.median)} / ${ms(t.on.cpuMsPerRequest.median)} / ${ms(t.sampled.cpuMsPerRequest.median)}`,
      note: `exported on: ${num(t.on.exportRequests)} requests, ${num(t.on.exportedKiB)} KiB; sampled: ${num(t.sampled.exportedKiB)} KiB; ${t.failures} failures`,
    },
  ];
}
