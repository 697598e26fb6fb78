import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { isEnded, toJobView } from '../../jobs/job-view.ts';
import { JobSchema } from '../../jobs/result-schemas.ts';
import type { JobService } from '../../jobs/service.ts';
import { principalOf } from '../auth/bearer.ts';
import { HttpProblem, notFound } from '../http/problem.ts';
import { operatorResponseHeaders } from '../openapi/headers.ts';
import {
  bodyProblems,
  invalidListQuery,
  operatorProblems,
  problem,
  problems,
} from '../openapi/problems.ts';
import { jobsCursor } from '../views/cursor.ts';
import { JobListSchema, JobParams, ListJobsQuery } from '../views/job-schemas.ts';
import { JOBS_PATH } from './job-answers.ts';

export function registerJobRoutes(app: FastifyInstance, jobs: JobService) {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const common = { tags: ['jobs'], security: [{ bearerAuth: [] }] };

  api.get(
    `${JOBS_PATH}/:jobId`,
    {
      schema: {
        ...common,
        summary: 'A job with its live progress, and its result once it ended',
        operationId: 'getJob',
        params: JobParams,
        response: { 200: JobSchema, ...operatorProblems(), ...problems(404) },
        ...operatorResponseHeaders({ 200: { 'Retry-After': 'optional' } }),
      },
    },
    async (request, reply) => {
      const { operatorId } = principalOf(request);
      const job = await jobs.get(operatorId, request.params.jobId);
      if (!job) throw notFound();
      if (!isEnded(job.state)) reply.header('retry-after', '1');
      return toJobView(job);
    },
  );

  api.get(
    JOBS_PATH,
    {
      schema: {
        ...common,
        summary: "The operator's jobs, newest first",
        operationId: 'listJobs',
        querystring: ListJobsQuery,
        response: { 200: JobListSchema, ...operatorProblems(), 400: invalidListQuery() },
        ...operatorResponseHeaders({ 200: { Link: 'optional' } }),
      },
    },
    async (request, reply) => {
      const { operatorId } = principalOf(request);
      const { state, operation, limit, cursor } = request.query;
      const scope = { operatorId, state, operation };
      const afterJobId = jobsCursor.decode(cursor, scope);
      const page = await jobs.list(operatorId, {
        limit,
        ...(state && { state }),
        ...(operation && { operation }),
        ...(afterJobId && { afterJobId }),
      });
      const last = page.rows.at(-1);
      const nextCursor = page.hasMore && last ? jobsCursor.encode(last.id, scope) : null;
      if (nextCursor) {
        const next = new URLSearchParams({ limit: String(limit), cursor: nextCursor });
        if (state) next.set('state', state);
        if (operation) next.set('operation', operation);
        reply.header('link', `<${JOBS_PATH}?${next}>; rel="next"`);
      }
      return { data: page.rows.map(toJobView), nextCursor };
    },
  );

  const cancelSchema = {
    ...common,
    summary: 'Cancel a queued or running job (numbers already processed stay processed)',
    params: JobParams,
    response: {
      200: JobSchema,
      ...operatorProblems(),
      ...bodyProblems(),
      ...problems(404),
      409: problem(409),
    },
    ...operatorResponseHeaders(),
  };
  const cancel = async (operatorId: string, jobId: string, reply: FastifyReply) => {
    const outcome = await jobs.cancel({ operatorId, jobId }, reply.log);
    if (outcome.kind === 'not-found') throw notFound();
    if (outcome.kind === 'finished') {
      throw new HttpProblem(409, 'JOB_FINISHED', `The job already ${outcome.job.state}`, {
        extensions: { job: toJobView(outcome.job) },
      });
    }
    reply.log.info({ jobId }, 'job cancelled');
    return toJobView(outcome.job);
  };
  // Two routes, one operation: each needs its own operationId in the OpenAPI document.
  api.post(
    `${JOBS_PATH}/:jobId/cancel`,
    { schema: { ...cancelSchema, operationId: 'cancelJob' } },
    (request, reply) => cancel(principalOf(request).operatorId, request.params.jobId, reply),
  );
  api.delete(
    `${JOBS_PATH}/:jobId`,
    { schema: { ...cancelSchema, operationId: 'deleteJob' } },
    (request, reply) => cancel(principalOf(request).operatorId, request.params.jobId, reply),
  );
}
