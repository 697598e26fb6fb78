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
 * A counter registered once, with `labels` (each label and all its values) and every
 * combination of the values at 0 from the first scrape: `increase()` misses the first event of
 * a series that appears already at 1.
 */
export function counterFromZero<L extends string>(
  registry: Registry,
  config: { name: string; help: string; labels: Record<L, readonly string[]> },
): Counter<L> {
  const { name, help, labels } = config;
  return once(registry, name, () => {
    const labelNames = Object.keys(labels) as L[];
    const counter = new Counter({ name, help, labelNames, registers: [registry] });
    for (const combination of everyCombination(labels)) counter.inc(combination, 0);
    return counter;
  });
}

/** Every combination of one value per label, the first label's values outermost. */
function everyCombination<L extends string>(labels: Record<L, readonly string[]>) {
  return Object.entries<readonly string[]>(labels).reduce<Record<string, string>[]>(
    (combinations, [label, values]) =>
      combinations.flatMap((combination) =>
        values.map((value) => ({ ...combination, [label]: value })),
      ),
    [{}],
  ) as LabelValues<L>[];
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
