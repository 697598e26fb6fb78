import { type Span, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ChunkStep } from '../jobs/processing.ts';
import { tracingOn } from './state.ts';

// One span per chunk transaction, child of BullMQ's `process` span, parent of the chunk's SQL.
// Attributes name what the chunk did: its size, how many numbers it recorded, and how many
// ended in each outcome (docs/operations.md, "Tracing").

const tracer = trace.getTracer('oc-numbers');

export interface ChunkSpanInput {
  jobId: string;
  operation: string;
  size: number;
}

export function tracedChunk(input: ChunkSpanInput, run: () => Promise<ChunkStep>) {
  // Outside a recorded trace (a request the sampler left out) a chunk span would not be
  // recorded either: not even a non-recording one is made.
  if (!tracingOn() || !trace.getActiveSpan()?.isRecording()) return run();
  return tracer.startActiveSpan(
    `chunk ${input.operation}`,
    {
      attributes: {
        'ocn.job.id': input.jobId,
        'ocn.operation': input.operation,
        'ocn.chunk.size': input.size,
      },
    },
    async (span) => {
      try {
        const step = await run();
        describeStep(span, step);
        return step;
      } catch (err) {
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

function describeStep(span: Span, step: ChunkStep): void {
  span.setAttribute('ocn.chunk.step', step.kind);
  if (step.kind === 'ended') {
    span.setAttribute('ocn.job.state', step.state);
    return;
  }
  span.setAttribute('ocn.chunk.processed', step.chunk.processed);
  span.setAttribute('ocn.chunk.succeeded', step.chunk.succeeded);
  for (const [outcome, count] of Object.entries(step.chunk.byOutcome)) {
    span.setAttribute(`ocn.chunk.outcome.${outcome}`, count);
  }
  span.setAttribute('ocn.job.processed_count', step.chunk.processedCount);
}
