import type { ServiceProcess } from './processes.ts';

// What tracing-processes.test.ts reads of what the processes logged (the trace walking and
// the one-line lookups are shared: support/otlp-receiver.ts, support/processes.ts).

/** Batch processor settings under which spans are exported only when SIGTERM flushes them. */
export const EXPORT_ONLY_AT_EXIT = {
  OTEL_BSP_SCHEDULE_DELAY: '600000',
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '100000',
  OTEL_BSP_MAX_QUEUE_SIZE: '100000',
};

export interface LogLine {
  msg?: string;
  reqId?: string;
  req?: { url?: string };
  traceId?: string;
  spanId?: string;
}

/** Every JSON line the process logged. */
export function logLines(process: ServiceProcess): LogLine[] {
  return process.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogLine);
}

/** JSON.stringify's replacer for the spans' bigint times. */
export function jsonBigInt(_key: string, value: unknown) {
  return typeof value === 'bigint' ? value.toString() : value;
}
