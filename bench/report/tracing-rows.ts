import type { Results } from '../parts/index.ts';
import type { Figures, TracingResult } from '../parts/tracing.ts';
import type { Spread } from '../stats.ts';
import { num, type Row } from '../table.ts';

const LABELS: Record<keyof Figures, string> = {
  syncP50Ms: 'sync 500-number request p50, ms',
  cpuMsPerRequest: 'CPU per sync request (service + Postgres), ms',
  nodeCpuMsPerRequest: '  of it the service process, ms',
  numbersPerSec: 'worker numbers/s over a backlog',
  cpuMsPer1000Numbers: 'CPU per 1,000 backlog numbers (service + Postgres), ms',
  nodeCpuMsPer1000Numbers: '  of it the service process, ms',
};

const ratioRange = (s: Spread) =>
  `${s.median.toFixed(3)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;

/**
 * Tracing on vs off, same run: each figure's medians per mode, then per-round ratios beside
 * the A/A control (off B / off A), whose spread is the noise floor a 5 % bar is read against.
 */
export function tracingRows({ tracing: t }: Results): Row[] {
  if (!t) return [];
  const rows: Row[] = [
    {
      label:
        '6. Tracing — always-on and 1-in-10 sampled, OTLP/HTTP protobuf to local receivers, vs off',
    },
    {
      label: `${t.rounds} rounds × (${t.syncPerBlock} sync requests + ${t.jobsPerBlock} queued 500-number jobs) per service`,
      value: 'off / on / sampled',
      note: 'medians of the blocks',
    },
  ];
  for (const figure of Object.keys(LABELS) as (keyof Figures)[]) {
    rows.push({
      label: LABELS[figure],
      value: [t.off, t.on, t.sampled].map((m) => num(m[figure].median)).join(' / '),
      note: ratioNote(t, figure),
    });
  }
  const b = t.baseline;
  if (b) {
    rows.push({ label: 'the baseline tree (OCN_BENCH_BASELINE_ROOT), always-on, same rounds' });
    for (const figure of Object.keys(LABELS) as (keyof Figures)[]) {
      rows.push({
        label: LABELS[figure],
        value: num(b.on[figure].median),
        note: `baseline/off ${ratioRange(b.onOverOff[figure])}, this tree's on/baseline ${ratioRange(b.onOverBaseline[figure])}`,
      });
    }
    rows.push({ label: 'exported by the baseline', value: `${num(b.on.exportedKiB)} KiB` });
  }
  rows.push({
    label: 'exported (always-on / sampled)',
    value: `${num(t.on.exportedKiB)} / ${num(t.sampled.exportedKiB)} KiB`,
    note: `${t.on.exportRequests} / ${t.sampled.exportRequests} export requests; ${t.failures} failures`,
  });
  return rows;
}

function ratioNote(t: TracingResult, figure: keyof Figures): string {
  return `on/off ${ratioRange(t.onOverOff[figure])}, sampled/off ${ratioRange(t.sampledOverOff[figure])}, A/A ${ratioRange(t.control[figure])}`;
}
