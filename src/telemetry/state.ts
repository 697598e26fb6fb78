import type { Telemetry } from 'bullmq';

// What the rest of the code may know about tracing without loading the SDK: whether it runs,
// BullMQ's telemetry to pass to every Queue and Worker, and how to flush it. `sdk.ts` fills
// this in when `register.ts` started it.

interface Started {
  bullmq: Telemetry;
  shutdown: () => Promise<void>;
}

let started: Started | undefined;

/** True once the SDK was started in this process (`node --import ./src/telemetry/register.ts`). */
export function tracingOn(): boolean {
  return started !== undefined;
}

export function tracingStarted(value: Started): void {
  started = value;
}

/**
 * BullMQ's `telemetry` option when tracing is on (bullmq-otel: the enqueue's context travels in
 * the job, so the worker's `process` span continues the request's trace); nothing when off.
 */
export function queueTelemetry(): { telemetry?: Telemetry } {
  return started ? { telemetry: started.bullmq } : {};
}

/**
 * Sends the spans still batched in memory, then stops the SDK: the last thing a process does
 * before it ends. A no-op when tracing is off; never throws (a collector that is down costs the
 * spans only).
 */
export async function stopTracing(): Promise<void> {
  const shutdown = started?.shutdown;
  if (!shutdown) return;
  await shutdown().catch((err: unknown) => {
    process.stderr.write(`tracing: could not flush spans: ${String(err)}\n`);
  });
}
