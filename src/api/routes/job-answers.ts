import type { FastifyReply, FastifyRequest } from 'fastify';
import { type JobSummaryRow, toJobView } from '../../jobs/job-view.ts';
import { principalOf } from '../auth.ts';
import { cancelAndDequeue } from '../cancel.ts';
import type { AppDeps } from '../deps.ts';
import { HttpProblem } from '../problem.ts';
import type { JobWaiter } from '../wait.ts';

// How the endpoint answers about its job: 200 with the result once it ended, 202 with the job
// while it runs (SPEC §3.4).

export const JOBS_PATH = '/api/v3/oc/numbers/jobs';
const POLL_AFTER_S = '1';

export function answerRunning(reply: FastifyReply, job: JobSummaryRow) {
  return reply
    .code(202)
    .header('location', `${JOBS_PATH}/${job.id}`)
    .header('retry-after', POLL_AFTER_S)
    .send(toJobView(job));
}

export function answerEnded(reply: FastifyReply, job: JobSummaryRow) {
  const result = toJobView(job).result;
  if (job.state === 'failed' || !result) {
    throw new HttpProblem(500, 'JOB_FAILED', 'The job failed; look at the job for what was done', {
      extensions: { jobId: job.id },
    });
  }
  return reply.code(200).send(result);
}

/**
 * Waits up to `waitMs` for the job to end. A client that goes away meanwhile cancels its job:
 * what was processed stays processed, and the partial result is stored on the job.
 */
export async function waitForResult(
  ctx: { deps: AppDeps; waiter: JobWaiter },
  request: FastifyRequest,
  reply: FastifyReply,
  job: JobSummaryRow,
  waitMs: number,
) {
  const { operatorId } = principalOf(request);
  const gone = new AbortController();
  // `close` also fires after a normal answer; only an unanswered close means the client left.
  const onClose = () => {
    if (!reply.raw.writableEnded) gone.abort();
  };
  reply.raw.once('close', onClose);
  // A client that left while the job was being created closed before the listener existed.
  if (request.raw.socket?.destroyed) onClose();
  const waited = await ctx.waiter.wait(operatorId, job.id, {
    timeoutMs: waitMs,
    signal: gone.signal,
  });
  reply.raw.off('close', onClose);
  if (gone.signal.aborted) {
    const cancelled = await cancelAndDequeue(
      { db: ctx.deps.db.db, queue: ctx.deps.queue, logger: request.log },
      { operatorId, jobId: job.id },
    );
    request.log.info({ jobId: job.id, outcome: cancelled.kind }, 'client gone; job cancelled');
    // Nobody reads this answer; it only completes the request's lifecycle (and its log line).
    return reply.code(202).send(toJobView(cancelled.kind === 'not-found' ? job : cancelled.job));
  }
  const latest = waited?.job ?? job;
  return waited?.ended ? answerEnded(reply, latest) : answerRunning(reply, latest);
}
