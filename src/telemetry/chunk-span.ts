import { type Attributes, type Span, SpanStatusCode, trace } from '@opentelemetry/api';
import { ITEM_OUTCOMES, type ItemOutcome } from '../domain/statuses.ts';
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
  if (step.kind === 'ended') {
    span.setAttributes({ 'ocn.chunk.step': step.kind, 'ocn.job.state': step.state });
    return;
  }
  const { chunk } = step;
  // One call, one object: each setAttribute checks its value and the span's limits again.
  const attributes: Attributes = {
    'ocn.chunk.step': step.kind,
    'ocn.chunk.processed': chunk.processed,
    'ocn.chunk.succeeded': chunk.succeeded,
    'ocn.job.processed_count': chunk.processedCount,
  };
  for (const [outcome, count] of Object.entries(chunk.byOutcome)) {
    attributes[OUTCOME_KEYS[outcome as ItemOutcome]] = count;
  }
  span.setAttributes(attributes);
}

const OUTCOME_KEYS = Object.fromEntries(
  ITEM_OUTCOMES.map((outcome) => [outcome, `ocn.chunk.outcome.${outcome}`]),
) as Record<ItemOutcome, string>;
