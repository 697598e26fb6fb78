import type { OtlpReceiver, ReceivedSpan } from '../support/otlp-receiver.ts';
import type { ServiceProcess } from '../support/processes.ts';

// What tracing-processes.test.ts asks of what the receiver got and what the processes logged.

/** The spans of one trace, and checks on how they hang together. */
export function traceOf(receiver: OtlpReceiver, traceId: string) {
  const spans = receiver.spans.filter((s) => s.traceId === traceId);
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const parentOf = (span: ReceivedSpan) => byId.get(span.parentSpanId);
  const one = (what: string, match: (s: ReceivedSpan) => boolean) => {
    const found = spans.filter(match);
    if (found.length !== 1) {
      throw new Error(`${found.length} spans are ${what}: ${spans.map((s) => s.name).join(', ')}`);
    }
    return found[0] as ReceivedSpan;
  };
  return { spans, byId, parentOf, one };
}

export type Trace = ReturnType<typeof traceOf>;

/** Walks up from `span` and returns the names of its ancestors, nearest first. */
export function ancestry(trace: Trace, span: ReceivedSpan): string[] {
  const names: string[] = [];
  for (let at = trace.parentOf(span); at; at = trace.parentOf(at)) names.push(at.name);
  return names;
}

export interface LogLine {
  msg?: string;
  reqId?: string;
  req?: { url?: string };
  traceId?: string;
  spanId?: string;
}

export function logLineOrNot(process: ServiceProcess, message: string, jobId: string) {
  const line = process.lines.find((l) => l.includes(`"msg":"${message}"`) && l.includes(jobId));
  return line ? (JSON.parse(line) as LogLine) : undefined;
}

export function logLine(process: ServiceProcess, message: string, jobId: string) {
  const line = logLineOrNot(process, message, jobId);
  if (!line) throw new Error(`no "${message}" line for ${jobId}`);
  return line;
}

/** Every JSON line the process logged. */
export function logLines(process: ServiceProcess): LogLine[] {
  return process.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogLine);
}

/** JSON.stringify's replacer for the spans' bigint times. */
export function jsonBigInt(_key: string, value: unknown) {
  return typeof value === 'bigint' ? value.toString() : value;
}
