import { Gauge, type Registry } from 'prom-client';
import { once } from './registry.ts';

/** What `/health/ready` checks, by name: `up` or why not. */
export type ReadinessCheck = () => Promise<Record<string, string>>;

/**
 * `ocn_ready{check}`: 1 while a check of `/health/ready` passes, 0 while it fails (store
 * unreachable, Postgres read-only), run at scrape time. The process can still be scraped while
 * a store is down, so this tells "up but not ready" apart from `up == 0` (not answering at all).
 */
export function registerReadinessMetric(registry: Registry, check: ReadinessCheck): void {
  once(
    registry,
    'ocn_ready',
    () =>
      new Gauge({
        name: 'ocn_ready',
        help: 'Whether each readiness check of /health/ready passes (1) or not (0), at scrape time.',
        labelNames: ['check'],
        registers: [registry],
        async collect() {
          const checks = await check();
          this.reset();
          for (const [name, state] of Object.entries(checks)) {
            this.set({ check: name }, state === 'up' ? 1 : 0);
          }
        },
      }),
  );
}
