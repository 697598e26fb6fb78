import { z } from 'zod';
import { E164_MAX_LENGTH, MAX_NUMBERS_PER_REQUEST } from '../domain/limits.ts';
import { OPERATION_NAMES } from '../domain/operations.ts';
import { JOB_STATES, NUMBER_STATUSES } from '../domain/statuses.ts';

// The shapes of a job's result and of the job resource: one zod schema each, from which the
// TypeScript types are inferred, the answers serialized and the OpenAPI document generated.
// A schema with an `id` in its meta is a shared component of the OpenAPI document
// (`components.schemas.<id>`, referenced with $ref), so generated clients get named types.

// OWASP API4 (Spectral's OWASP ruleset): every integer names its format, every string and array
// its bound. The bounds are real ones: E.164 is at most 16 characters, a job at most 500
// numbers, timestamps are ISO 8601.
export const int32 = () => z.int32().meta({ format: 'int32' });
export const TEXT_MAX = 1000;
export const uuid = () => z.uuid().max(36);
export const timestamp = () => z.iso.datetime().max(40);
export const e164String = () => z.string().max(E164_MAX_LENGTH);

export const NumberFailureSchema = z
  .object({
    telephoneNumber: e164String(),
    errorCode: z.enum(['NUMBER_NOT_FOUND', 'NOT_OPERATOR_CONNECT_CUSTOMER', 'INVALID_STATUS']),
    currentStatus: z.enum(NUMBER_STATUSES).optional(),
    detail: z.string().max(TEXT_MAX),
  })
  .meta({ id: 'NumberFailure' });

export const ResultCounts = {
  jobId: uuid(),
  requestedCount: int32(),
  processedCount: int32(),
  successCount: int32(),
  failedCount: int32(),
};
export const ResultStatusSchema = z.enum(['success', 'partialSuccess', 'failure', 'cancelled']);

/** The 200 body of an operation: the original endpoint's shape, extended. */
export const JobResultSchema = z
  .object({
    data: z.object({
      ...ResultCounts,
      failures: z.array(NumberFailureSchema).max(MAX_NUMBERS_PER_REQUEST),
    }),
    status: ResultStatusSchema,
    succeeded: z.boolean(),
    message: z.string().max(TEXT_MAX),
  })
  .meta({ id: 'JobResult' });

/** The answer of `?dryRun=true`: the result shape, without a job. */
export const DryRunResultSchema = z
  .object({
    data: z.object({
      ...ResultCounts,
      jobId: z.null(),
      failures: z.array(NumberFailureSchema).max(MAX_NUMBERS_PER_REQUEST),
    }),
    status: ResultStatusSchema,
    succeeded: z.boolean(),
    message: z.string().max(TEXT_MAX),
    dryRun: z.literal(true),
  })
  .meta({ id: 'DryRunResult' });

/** A job's counters: on the job resource, and as its BullMQ progress (Bull Board). */
export const JobProgressSchema = z
  .object({
    requestedCount: int32(),
    processedCount: int32(),
    successCount: int32(),
    failedCount: int32(),
    percent: int32().min(0).max(100),
  })
  .meta({ id: 'JobProgress' });

export const JobFields = {
  jobId: uuid(),
  operation: z.enum(OPERATION_NAMES),
  state: z.enum(JOB_STATES),
  createdAt: timestamp(),
  startedAt: timestamp().nullable(),
  finishedAt: timestamp().nullable(),
  progress: JobProgressSchema,
};

/** The job resource; `result` once the job ended. */
export const JobSchema = z
  .object({ ...JobFields, result: JobResultSchema.optional() })
  .meta({ id: 'Job' });

export type NumberFailure = z.output<typeof NumberFailureSchema>;
export type FailureCode = NumberFailure['errorCode'];
export type ResultStatus = z.output<typeof ResultStatusSchema>;
export type JobResult = z.output<typeof JobResultSchema>;
export type DryRunResult = z.output<typeof DryRunResultSchema>;
export type JobProgress = z.output<typeof JobProgressSchema>;
export type JobView = z.output<typeof JobSchema>;
