import { HttpProblem, serviceUnavailable } from '../http/problem.ts';

// Concurrent CSV exports of the number list, per API instance: a few in all, and fewer per
// operator, so no one operator can take every slot with slow downloads. Each export reads the
// database in batches while its download lasts (minutes for a slow client), so the instance cap
// keeps a few downloads from taking the pool's time away from everything else.

const RETRY_AFTER_S = 10;

export interface ExportSlots {
  /** Takes a slot for the operator, or throws (429 its own cap, 503 the instance's). */
  acquire(operatorId: string): () => void;
}

export function createExportSlots(limits: {
  perInstance: number;
  perOperator: number;
}): ExportSlots {
  let inUse = 0;
  const byOperator = new Map<string, number>();
  return {
    acquire(operatorId) {
      const mine = byOperator.get(operatorId) ?? 0;
      if (mine >= limits.perOperator) {
        throw new HttpProblem(
          429,
          'RATE_LIMITED',
          `This operator already runs ${mine} CSV export${mine === 1 ? '' : 's'} on this instance, its most; retry when one ends`,
          { headers: { 'retry-after': String(RETRY_AFTER_S) } },
        );
      }
      if (inUse >= limits.perInstance) {
        throw serviceUnavailable('Too many CSV exports in progress; retry later', RETRY_AFTER_S);
      }
      inUse++;
      byOperator.set(operatorId, mine + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        inUse--;
        const left = (byOperator.get(operatorId) ?? 1) - 1;
        if (left > 0) byOperator.set(operatorId, left);
        else byOperator.delete(operatorId);
      };
    },
  };
}

/** A quarter of the API's pool, at least one. */
export const exportSlotsFor = (poolMax: number) => Math.max(1, Math.floor(poolMax / 4));
