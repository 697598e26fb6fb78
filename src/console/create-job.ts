import type { FastifyRequest } from 'fastify';
import { principalOf } from '../api/auth/bearer.ts';
import { creationFailure, keyMismatch } from '../api/http/job-creation-problems.ts';
import { traceIdOf } from '../api/http/trace.ts';
import type { Operation } from '../domain/operations.ts';
import { requestHash } from '../jobs/idempotency.ts';
import type { JobSummaryRow } from '../jobs/job-view.ts';
import type { ConsoleContext } from './context.ts';

/**
 * Creates a job through the API's JobService, as the operation route does, always with an
 * Idempotency-Key: a form posted twice (a double click, a reload) gets the one job. The same
 * failures map to the same problems as in the API (src/api/routes/operation.ts).
 */
export async function createConsoleJob(
  ctx: ConsoleContext,
  request: FastifyRequest,
  operation: Operation,
  telephoneNumbers: string[],
  idempotencyKey: string,
): Promise<JobSummaryRow> {
  const { operatorId, apiKeyId } = principalOf(request);
  try {
    const outcome = await ctx.jobs.create(operation, {
      operatorId,
      apiKeyId,
      telephoneNumbers,
      traceId: traceIdOf(request.raw),
      idempotency: {
        key: idempotencyKey,
        requestHash: requestHash(operation, telephoneNumbers),
        ttlMs: ctx.deps.config.idempotencyTtlMs,
      },
    });
    if (outcome.kind === 'mismatch') {
      throw keyMismatch('This form was already sent with other numbers');
    }
    request.log.info({ jobId: outcome.job.id, console: true }, 'job accepted');
    return outcome.job;
  } catch (err) {
    throw creationFailure(err, request.log, 'This form is being sent already; retry');
  }
}
