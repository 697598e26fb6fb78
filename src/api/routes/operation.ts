import type { FastifyInstance } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BODY_LIMIT_BYTES } from '../../domain/limits.ts';
import type { Operation } from '../../domain/operations.ts';
import { requestHash } from '../../jobs/idempotency.ts';
import { toJobView } from '../../jobs/job-view.ts';
import { DryRunResultSchema, JobResultSchema, JobSchema } from '../../jobs/result-schemas.ts';
import type { JobService } from '../../jobs/service.ts';
import { principalOf } from '../auth/bearer.ts';
import { type OperationBudget, spendOperationBudget } from '../budgets/operation-budget.ts';
import type { AppDeps } from '../deps.ts';
import { creationFailure, keyMismatch } from '../http/job-creation-problems.ts';
import { parsePrefer } from '../http/prefer.ts';
import { HttpProblem } from '../http/problem.ts';
import { traceIdOf } from '../http/trace.ts';
import { operatorResponseHeaders } from '../openapi/headers.ts';
import { bodyProblems, operatorProblems, problem } from '../openapi/problems.ts';
import { NumbersBody, OperationHeaders, OperationQuery } from '../views/job-schemas.ts';
import { NUMBERS_BODY_CODES, parseNumbersBody } from '../views/numbers-body.ts';
import { answerEnded, answerRunning, waitForResult } from './job-answers.ts';

// Every answer past the budget carries its RateLimit fields; once the job exists, the
// preferences applied and whether it was a replay.
const SPENT = { RateLimit: 'required', 'RateLimit-Policy': 'required' } as const;
const ANSWERED = { 'Preference-Applied': 'optional', 'Idempotent-Replayed': 'optional' } as const;

export interface OperationRouteContext {
  deps: AppDeps;
  jobs: JobService;
  /** This operation's own budget: the global one and each operator's share. */
  budget: OperationBudget;
}

/** The POST endpoint of an operation: validate, create its job, answer per `Prefer`. */
export function registerOperationRoute(
  app: FastifyInstance,
  ctx: OperationRouteContext,
  operation: Operation,
) {
  const { deps, jobs, budget } = ctx;
  const { config } = deps;

  app.withTypeProvider<ZodTypeProvider>().post(
    operation.path,
    {
      bodyLimit: BODY_LIMIT_BYTES,
      onRequest: spendOperationBudget(budget),
      // The body is checked by parseNumbersBody (every problem at once, own codes); the
      // schema is here for the OpenAPI document only.
      validatorCompiler: (route) =>
        route.httpPart === 'body'
          ? (data: unknown) => ({ value: data })
          : validatorCompiler(route as unknown as Parameters<typeof validatorCompiler>[0]),
      schema: {
        summary: operation.summary,
        operationId: operation.operationId,
        description:
          'Validates the request, queues a job and, by default, waits for its result (200). ' +
          '`Prefer: respond-async` answers 202 at once; past the wait bound the answer is 202 ' +
          'with the job. A client that disconnects while waiting cancels its job.',
        tags: [operation.name],
        security: [{ bearerAuth: [] }],
        headers: OperationHeaders,
        querystring: OperationQuery,
        body: NumbersBody,
        response: {
          200: z
            .xor([JobResultSchema, DryRunResultSchema])
            .describe(
              'The job ended: its result (or, with dryRun, what it would be). A result has `status` and `succeeded`, never `state`',
            ),
          202: JobSchema.describe(
            'Still running (or respond-async): the job (`state`, `jobId`, never `succeeded`); poll Location',
          ),
          ...operatorProblems(),
          ...bodyProblems(),
          400: problem(400, {
            codes: [...NUMBERS_BODY_CODES, 'MALFORMED_JSON', 'INVALID_REQUEST'],
            description:
              'The body or a header is invalid: every problem at once (`errors`: every bad entry with its own code, or every bad property)',
          }),
          422: problem(422),
          429: problem(429, {
            description:
              "RATE_LIMITED: the endpoint's global budget or the operator's share is spent, or too many failed authentications from this client; `detail` says which",
          }),
          500: problem(500, {
            codes: ['JOB_FAILED', 'INTERNAL_ERROR'],
            description: 'JOB_FAILED: the job failed permanently (`jobId`); INTERNAL_ERROR',
          }),
        },
        ...operatorResponseHeaders({
          200: { ...SPENT, ...ANSWERED },
          202: { ...SPENT, ...ANSWERED, Location: 'required', 'Retry-After': 'required' },
          400: SPENT,
          413: SPENT,
          415: SPENT,
          422: SPENT,
          500: ANSWERED,
          503: ANSWERED,
        }),
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const numbers = parseNumbersBody(request.body, config.phoneValidation);
      const prefer = parsePrefer(request.headers.prefer);
      const key = idempotencyKey(request.headers['idempotency-key']);
      if (request.query.dryRun === 'true') {
        const result = await jobs.dryRun(operation, principal.operatorId, numbers);
        request.log.info({ dryRun: true, successCount: result.data.successCount }, 'dry run');
        return reply.code(200).send(result);
      }
      let outcome: Awaited<ReturnType<JobService['create']>>;
      try {
        outcome = await jobs.create(operation, {
          operatorId: principal.operatorId,
          apiKeyId: principal.apiKeyId,
          clientPrincipal: principal.client,
          telephoneNumbers: numbers,
          traceId: traceIdOf(request.raw),
          ...(key && {
            idempotency: {
              key,
              requestHash: requestHash(operation, numbers),
              ttlMs: config.idempotencyTtlMs,
            },
          }),
        });
      } catch (err) {
        throw creationFailure(
          err,
          request.log,
          'Concurrent requests are using this Idempotency-Key; retry',
        );
      }
      if (outcome.kind === 'mismatch') {
        throw keyMismatch('This Idempotency-Key was already used with a different request body');
      }
      const job = outcome.job;
      if (outcome.kind === 'created' && outcome.enqueueError !== undefined) {
        // The add reported a failure, yet a worker already took the job: it runs.
        request.log.warn(
          { err: outcome.enqueueError, jobId: job.id },
          'enqueue failed but job runs',
        );
      }
      request.log.info({ jobId: job.id, replayed: outcome.kind === 'replayed' }, 'job accepted');
      if (outcome.kind === 'replayed') {
        reply.header('idempotent-replayed', 'true');
        if (toJobView(job).result) return answerEnded(reply, job);
        // Still running: a retry waits like the original request did, so a client whose first
        // try died with its API process gets the job's final result (docs/reliability.md).
      }
      if (prefer.respondAsync) {
        reply.header('preference-applied', 'respond-async');
        return answerRunning(reply, job);
      }
      const waitMs =
        prefer.waitS === undefined
          ? config.syncWaitMs
          : Math.min(config.syncWaitMs, prefer.waitS * 1000);
      // The wait actually applied, capped at SYNC_WAIT_MS; the field counts whole seconds.
      if (prefer.waitS !== undefined) {
        reply.header('preference-applied', `wait=${Math.floor(waitMs / 1000)}`);
      }

      return waitForResult(jobs, request, reply, job, waitMs);
    },
  );
}

function idempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  // draft-ietf-httpapi-idempotency-key-header-07: a structured-field string ("…"); bare tokens
  // are accepted too.
  const key = /^"(.*)"$/.exec(header)?.[1] ?? header;
  if (key.length === 0) {
    throw new HttpProblem(400, 'INVALID_REQUEST', 'Idempotency-Key must not be empty');
  }
  return key;
}
