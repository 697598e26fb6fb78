import { percentile } from '../stats.ts';
import { formatTable, type Row } from '../table.ts';
import { type BloatResult, TABLES } from './bloat.ts';
import type { RoundsResult } from './rounds.ts';

/** The retention part's table: the arms, their ratios per round, the deletes, the sizes. */
export function printRetention(r: RoundsResult & BloatResult) {
  const ms = (x: number) => x.toFixed(0);
  const list = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');
  const range = (xs: number[]) =>
    `median ${percentile(xs, 50).toFixed(2)}, ${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
  const rows: Row[] = [
    {
      label: `admitted load, ${r.rounds} rounds of ${r.loadSeconds} s per arm; retention deleting a backlog of ${r.backlogJobs} old jobs`,
    },
    ...r.arms.map((a) => ({
      label: `${a.arm}: p50 / p95 / p99 ms (pooled), numbers/s`,
      value: `${ms(a.latencyMs.p50)} / ${ms(a.latencyMs.p95)} / ${ms(a.latencyMs.p99)}, ${a.numbersPerSec.toFixed(0)}`,
      note: `${a.latencyMs.samples} requests`,
    })),
    { label: 'per round, over the round\'s "off A" ("off B": the A/A control)' },
    ...(['p50', 'p95', 'p99', 'numbersPerSec'] as const).flatMap((k) =>
      Object.entries(r.ratios).map(([arm, ratios]) => ({
        label: `${arm} / off A, ${k}`,
        value: list(ratios[k]),
        note: range(ratios[k]),
      })),
    ),
    ...r.onVariants.map((v) => ({
      label: `old jobs deleted per s during each "${v.arm}" run`,
      value: r.runs
        .filter((x) => x.arm === v.arm)
        .map((x) => x.deletedPerSec.toFixed(1))
        .join(', '),
    })),
    {
      label: 'load average at the end of each run',
      value: r.runs.map((x) => `${x.arm.slice(0, 5).trim()}:${x.loadAverage.toFixed(1)}`).join(' '),
    },
    { label: 'active backends per 100 ms sample (role: wait), top entries per arm' },
    ...r.arms.map((a) => ({
      label: a.arm,
      value: '',
      note: Object.entries(a.waitsPerSample)
        .sort((x, y) => y[1] - x[1])
        .slice(0, 8)
        .map(([k, v]) => `${k} ${v.toFixed(2)}`)
        .join('; '),
    })),
    {
      label: 'retention alone: jobs / ledger rows deleted per s; batch ms p50 / max',
      value: `${r.deletedJobsPerSec} / ${r.deletedLedgerRowsPerSec}; ${r.batchMs.p50.toFixed(1)} / ${r.batchMs.max.toFixed(1)}`,
    },
    { label: `total sizes, MB (${TABLES.join(', ')})` },
    ...r.sizesMb.map((s) => ({ label: s.at, value: TABLES.map((t) => s.sizes[t]).join(' / ') })),
  ];
  process.stdout.write(`${formatTable(rows)}\n`);
}
