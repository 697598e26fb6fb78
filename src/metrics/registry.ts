import { collectDefaultMetrics, Registry } from 'prom-client';

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
