import type { FastifyReply, FastifyRequest } from 'fastify';
import { type JobSummaryRow, toJobView } from '../../jobs/job-view.ts';
import type { JobService } from '../../jobs/service.ts';
import { principalOf } from '../auth/bearer.ts';
import { HttpProblem } from '../http/problem.ts';

// How an operation answers about its job: 200 with the result once it ended, 202 with the job
// while it runs.

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
  jobs: JobService,
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
  const waited = await jobs.wait(operatorId, job.id, {
    timeoutMs: waitMs,
    signal: gone.signal,
  });
  reply.raw.off('close', onClose);
  if (gone.signal.aborted) {
    const cancelled = await jobs.cancel({ operatorId, jobId: job.id }, request.log);
    request.log.info({ jobId: job.id, outcome: cancelled.kind }, 'client gone; job cancelled');
    // Nobody reads this answer; it only completes the request's lifecycle (and its log line).
    return reply.code(202).send(toJobView(cancelled.kind === 'not-found' ? job : cancelled.job));
  }
  const latest = waited?.job ?? job;
  return waited?.ended ? answerEnded(reply, latest) : answerRunning(reply, latest);
}
