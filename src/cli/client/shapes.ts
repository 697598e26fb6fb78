import { z } from 'zod';
import { UUID_PATTERN } from '../../domain/limits.ts';
import { serviceError } from './errors.ts';
import type { ApiAnswer } from './http.ts';

// The shapes of what the service answers (docs/api.md, "The job resource"), checked before the
// client acts on them: a body that is not what its status promises (a proxy's page, another
// service, a bug) must end the batch as UNKNOWN, never be read as a job that has not ended yet.
// The client's own schemas, not the service's: those import database enums, and the client
// runs where there is no database code. Loose objects: members added later pass through.

const count = z.number().int().nonnegative();
const jobId = z.string().regex(UUID_PATTERN, 'not a job id');

const NumberFailureShape = z.looseObject({
  telephoneNumber: z.string(),
  errorCode: z.string(),
  currentStatus: z.string().optional(),
  detail: z.string().optional(),
});

const counts = {
  requestedCount: count,
  processedCount: count,
  successCount: count,
  failedCount: count,
};

/** The 200 answer of an operation (and a job's `result`): what happened to each number. */
export const JobResultShape = z
  .looseObject({
    data: z.looseObject({
      jobId: jobId.nullable(),
      ...counts,
      failures: z.array(NumberFailureShape),
    }),
    status: z.enum(['success', 'partialSuccess', 'failure', 'cancelled']),
    succeeded: z.boolean(),
    message: z.string(),
    dryRun: z.boolean().optional(),
  })
  .refine(
    ({ data }) =>
      data.successCount <= data.processedCount &&
      data.processedCount <= data.requestedCount &&
      data.failures.length <= data.processedCount,
    'its counts contradict each other',
  );

export const JOB_STATES = ['queued', 'active', 'completed', 'cancelled', 'failed'] as const;

const jobFields = {
  jobId,
  operation: z.string(),
  state: z.enum(JOB_STATES),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  progress: z.looseObject({ ...counts, percent: count }),
};

/** The job resource: the 202 answer of an operation, and what polling its Location returns. */
export const JobShape = z.looseObject({ ...jobFields, result: JobResultShape.optional() });

/** A list entry: the job with its result's counts but not its failures. */
const JobListEntryShape = z.looseObject({
  ...jobFields,
  result: z
    .looseObject({ status: z.string(), succeeded: z.boolean(), message: z.string() })
    .optional(),
});

export const JobListShape = z.looseObject({
  data: z.array(JobListEntryShape),
  nextCursor: z.string().nullable(),
});

export const ItemsPageShape = z.looseObject({
  data: z.array(
    z.looseObject({
      position: count,
      telephoneNumber: z.string(),
      outcome: z.string(),
      currentStatus: z.string().optional(),
      detail: z.string().optional(),
      processedAt: z.string().nullable(),
    }),
  ),
  nextCursor: z.string().nullable(),
});

/** A 409 to a cancel: the job had already ended, and is given as it ended. */
export const AlreadyEndedShape = z.looseObject({ job: JobShape });

/** A 500 to a replayed operation whose job failed for good: the job to look at. */
export const JobFailedShape = z.looseObject({ errorCode: z.literal('JOB_FAILED'), jobId });

export type JobResultBody = z.output<typeof JobResultShape>;
export type JobView = z.output<typeof JobShape>;
export type JobListEntry = z.output<typeof JobListEntryShape>;
export type ItemView = z.output<typeof ItemsPageShape>['data'][number];

/**
 * The body of `answer` as `shape` describes it; otherwise `fail` with a message that names the
 * first wrong member ("job …: the service answered 200 with a body that is not a job (state: …)").
 */
export function readShape<S extends z.ZodType>(
  shape: S,
  answer: ApiAnswer,
  what: string,
  noun: string,
  fail: (message: string) => Error = serviceError,
): z.output<S> {
  const parsed = shape.safeParse(answer.body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const at = issue?.path.length ? `${issue.path.join('.')}: ` : '';
  const where = issue ? ` (${at}${issue.message})` : '';
  throw fail(
    `${what}: the service answered ${answer.status} with a body that is not ${noun}${where}`,
  );
}
