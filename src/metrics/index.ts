export { registerBacklogMetrics } from './backlog.ts';
export { createHttpMetrics } from './http.ts';
export { createJobMetricsObserver } from './jobs.ts';
export { registerReadinessMetric } from './readiness.ts';
export { createMetricsRegistry } from './registry.ts';
export { type MetricsServer, startMetricsServer } from './server.ts';
export { registerStateMetrics } from './state.ts';
