import { Counter, collectDefaultMetrics, type LabelValues, Registry } from 'prom-client';
import type { Logger } from '../logger.ts';

/**
 * One Prometheus registry per process, with Node's process metrics (CPU, memory, event-loop
 * lag, GC, handles). The API and an in-process worker add their metrics to the same registry,
 * so one scrape shows both.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** A metric registered once per registry, even when two parts of one process ask for it. */
export function once<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

/**
 * A counter registered once, with each of `start`'s label combinations at 0 from the first
 * scrape: `increase()` misses the first event of a series that appears already at 1.
 */
export function counterFromZero<L extends string>(
  registry: Registry,
  config: { name: string; help: string; labelNames: readonly L[] },
  start: LabelValues<L>[],
): Counter<L> {
  return once(registry, config.name, () => {
    const counter = new Counter({ ...config, registers: [registry] });
    for (const labels of start) counter.inc(labels, 0);
    return counter;
  });
}

/** A gauge's read failed at scrape time: a warning naming it, and no value (the scrape goes on). */
export function scrapeFailed(
  logger: Pick<Logger, 'warn'>,
  metric: string,
  err: unknown,
): undefined {
  logger.warn({ err, metric }, 'metrics: could not read a gauge at scrape time');
  return undefined;
}
