import type { Results } from './parts/index.ts';
import type { Spread } from './stats.ts';
import { num, type Row, ratio, withRange } from './table.ts';

const perSec = (s: Spread) => withRange(s.median, s.min, s.max);

/** The printed table: one section per part that ran. */
export function buildRows(results: Results): Row[] {
  const rows: Row[] = [];
  const { core, validation } = results;
  if (core) {
    rows.push({ label: '1. Worker core: numbers/s, 500-number jobs — median (min–max)' });
    if (core.service) {
      rows.push({
        label: 'service (runJob: rules, history, ledger, progress)',
        value: perSec(core.service),
      });
    }
    rows.push({
      label: 'naive: 1 transaction × 6 round trips per number',
      value: perSec(core.naive),
    });
    rows.push({
      label: 'floor: one bulk UPDATE + history insert per job',
      value: perSec(core.floor),
    });
    if (core.service) {
      rows.push({
        label: 'service / naive',
        value: ratio(core.service.median / core.naive.median),
        note: 'target ≥ 20×',
      });
      rows.push({
        label: 'service / floor',
        value: ratio(core.service.median / core.floor.median),
      });
    }
  }
  if (validation) {
    rows.push({ label: '4. Validation of a 500-number body — µs, median (min–max)' });
    rows.push({
      label: `validate (${validation.validator})`,
      value: withRange(
        validation.validateUsPerBody.median,
        validation.validateUsPerBody.min,
        validation.validateUsPerBody.max,
        ' µs',
      ),
    });
    rows.push({
      label: 'JSON.parse of the body, for scale',
      value: withRange(
        validation.parseUsPerBody.median,
        validation.parseUsPerBody.min,
        validation.parseUsPerBody.max,
        ' µs',
      ),
    });
  }
  return rows;
}

/** The top-level keys of results.json: medians, flat, for scripts and CI dashboards. */
export function flatten(results: Results): Record<string, number | undefined> {
  const { core, validation } = results;
  const out: Record<string, number | undefined> = {};
  if (core) {
    out.workerNumbersPerSec = round(core.service?.median);
    out.naiveNumbersPerSec = round(core.naive.median);
    out.floorNumbersPerSec = round(core.floor.median);
    out.workerVsNaive = core.service ? round2(core.service.median / core.naive.median) : undefined;
    out.workerVsFloor = core.service ? round2(core.service.median / core.floor.median) : undefined;
  }
  if (validation) out.validationUsPerBody = round2(validation.validateUsPerBody.median);
  return out;
}

const round = (v: number | undefined) => (v === undefined ? undefined : Math.round(v));
const round2 = (v: number | undefined) => (v === undefined ? undefined : Math.round(v * 100) / 100);

export { num };
