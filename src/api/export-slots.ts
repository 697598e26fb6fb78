import { serviceUnavailable } from './problem.ts';

/**
 * A per-process cap on concurrent CSV exports. Each export holds a pool connection for as long
 * as its download lasts (a slow client, minutes); without a cap a few downloads could take the
 * whole pool and stall everything else (authentication, the action endpoint, job reads).
 */
export function createExportSlots(max: number) {
  let inUse = 0;
  return {
    /** Takes a slot, or throws a 503 with Retry-After. Call the returned release once done. */
    acquire(): () => void {
      if (inUse >= max) {
        throw serviceUnavailable('Too many CSV exports in progress; retry later', 10);
      }
      inUse++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        inUse--;
      };
    },
  };
}

/** A quarter of the API's pool, at least one. */
export const exportSlotsFor = (poolMax: number) => Math.max(1, Math.floor(poolMax / 4));
