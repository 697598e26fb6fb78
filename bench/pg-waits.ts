import type { Sql } from '../src/db/client.ts';

// What the bench database's backends are doing, sampled from pg_stat_activity every
// `intervalMs`: each active backend counts once per sample under its role and what it waits
// on ("CPU" when it waits on nothing, i.e. runs or is runnable). Retention's transactions name
// themselves (application_name `ocn-retention`, src/jobs/retention.ts); autovacuum, the WAL
// writer and the checkpointer are counted when they are not idle.

export type WaitCounts = Record<string, number>;

export interface WaitSampler {
  stop(): Promise<{ samples: number; counts: WaitCounts }>;
}

const IDLE_WAITS = new Set(['Activity', 'Client', 'Extension']);

export function sampleWaits(sql: Sql, intervalMs = 100): WaitSampler {
  const counts: WaitCounts = {};
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      const rows = await sql<
        {
          backend_type: string;
          app: string;
          state: string | null;
          wtype: string | null;
          w: string | null;
        }[]
      >`
        select backend_type, application_name as app, state,
               wait_event_type as wtype, wait_event as w
        from pg_stat_activity
        where pid <> pg_backend_pid()
          and (datname = current_database() or backend_type <> 'client backend')`.catch(() => []);
      samples += 1;
      for (const r of rows) {
        const role =
          r.backend_type !== 'client backend'
            ? r.backend_type
            : r.app === 'ocn-retention'
              ? 'retention'
              : r.state === 'active'
                ? 'service'
                : undefined;
        if (role === undefined) continue;
        if (r.backend_type === 'client backend' && r.state !== 'active') {
          // Retention between two statements of its transaction.
          if (role === 'retention' && r.state?.startsWith('idle in transaction')) {
            const key = `retention: idle in transaction`;
            counts[key] = (counts[key] ?? 0) + 1;
          }
          continue;
        }
        if (r.wtype !== null && IDLE_WAITS.has(r.wtype)) continue;
        const key = `${role}: ${r.wtype === null ? 'CPU' : `${r.wtype}:${r.w}`}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
      const wait = intervalMs - (performance.now() - started);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { samples, counts };
    },
  };
}

/** Adds `b` into `a`. */
export function addCounts(a: WaitCounts, b: WaitCounts) {
  for (const [k, v] of Object.entries(b)) a[k] = (a[k] ?? 0) + v;
}
