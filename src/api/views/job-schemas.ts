import { z } from 'zod';
import { DECIMAL_DIGITS, E164_PATTERN, MAX_NUMBERS_PER_REQUEST } from '../../domain/limits.ts';
import { OPERATION_NAMES } from '../../domain/operations.ts';
import { ITEM_OUTCOMES, JOB_STATES, NUMBER_STATUSES } from '../../domain/statuses.ts';
import {
  e164String,
  int32,
  JobFields,
  JobSchema,
  ResultCounts,
  ResultStatusSchema,
  TEXT_MAX,
  timestamp,
  uuid,
} from '../../jobs/result-schemas.ts';
import { ERROR_CODES, MAX_PROBLEM_ERRORS } from '../http/problem.ts';

// Request, parameter and problem schemas of the API, and the job lists; the job shapes are in
// jobs/result-schemas.ts, the problem answers of each operation in api/openapi/problems.ts.
// They type the handlers, serialize the answers and generate the OpenAPI document (one
// source). Operation bodies are checked by views/numbers-body.ts, which reports every
// problem at once; their schema here documents them.

const E164_EXAMPLE = '+14255551212';
// Problem texts that quote the request are bounded by its body limit (a little over 64 KiB).
const QUOTES_BODY_MAX = 70_000;

/**
 * An integer query parameter: decimal digits only, like the settings ('0x10', '1e3', '+5', ' 5'
 * are refused; z.coerce.number() took them). The document shows an int32 with its bounds; give
 * a default with `.prefault(n)` (zod leaves `.default` out of a preprocessed input's schema).
 */
export const queryInt = (min: number, max: number) =>
  z
    .preprocess(
      (raw) => (typeof raw === 'string' && DECIMAL_DIGITS.test(raw) ? Number(raw) : raw),
      z
        .int({
          error: (issue) =>
            issue.code === 'invalid_type' ? 'must be a whole number in decimal digits' : undefined,
        })
        .min(min)
        .max(max),
    )
    .meta({ format: 'int32' });

/** The longest cursor a list hands out or takes back. */
export const MAX_CURSOR_LENGTH = 200;

/**
 * One page of a list read by cursor: up to `max` entries and the cursor of the next page (null
 * on the last).
 */
export const cursorPage = <T extends z.ZodType>(id: string, entry: T, max: number) =>
  z
    .object({
      data: z.array(entry).max(max),
      nextCursor: z.string().max(MAX_CURSOR_LENGTH).nullable(),
    })
    .meta({ id });

/** The query of a list read by cursor: page size (20 unless given) and the page's cursor. */
export const cursorQuery = (maxLimit: number) => ({
  limit: queryInt(1, maxLimit).prefault(20),
  cursor: z.string().max(MAX_CURSOR_LENGTH).optional(),
});

export const NumbersBody = z
  .strictObject({
    telephoneNumbers: z
      .array(e164String().regex(E164_PATTERN))
      .min(1)
      .max(MAX_NUMBERS_PER_REQUEST)
      .describe(
        `E.164 numbers, 1 to ${MAX_NUMBERS_PER_REQUEST}, no duplicates; processed in this order`,
      ),
  })
  .meta({ id: 'NumbersBody', example: { telephoneNumbers: [E164_EXAMPLE, '+14255551213'] } });

/** The headers an operation reads. */
export const OperationHeaders = z.looseObject({
  prefer: z
    .string()
    .max(200)
    .optional()
    .describe('`respond-async` (202 at once) and/or `wait=<seconds>`'),
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .optional()
    .describe('Same key + same body within 24 h → the first job; different body → 422'),
});

/** The query string of an operation. */
export const OperationQuery = z.object({
  dryRun: z
    .enum(['true', 'false'])
    .optional()
    .describe(
      '`true`: validate and evaluate every rule against the current state, write nothing, create no job (200 with `data.jobId: null` and `dryRun: true`)',
    ),
});

/** In lists the per-number failures are left out (see the job or its items for them). */
export const JobListEntrySchema = z
  .object({
    ...JobFields,
    result: z
      .object({
        data: z.object(ResultCounts),
        status: ResultStatusSchema,
        succeeded: z.boolean(),
        message: z.string().max(TEXT_MAX),
      })
      .optional(),
  })
  .meta({ id: 'JobListEntry' });

export const JobListSchema = cursorPage('JobList', JobListEntrySchema, 100);

export const ITEM_FILTERS = [...ITEM_OUTCOMES, 'NOT_PROCESSED'] as const;

export const JobItemSchema = z
  .object({
    position: int32().describe('0-based index in the request'),
    telephoneNumber: e164String(),
    outcome: z.enum(ITEM_FILTERS),
    currentStatus: z.enum(NUMBER_STATUSES).optional(),
    detail: z.string().max(TEXT_MAX).optional(),
    processedAt: timestamp().nullable(),
  })
  .meta({ id: 'JobItem' });

export const JobItemsSchema = cursorPage('JobItemPage', JobItemSchema, 500);

export const JobParams = z.object({ jobId: uuid() });

export const ListJobsQuery = z.strictObject({
  state: z.enum(JOB_STATES).optional(),
  operation: z.enum(OPERATION_NAMES).optional(),
  ...cursorQuery(100),
});

export const ListItemsQuery = z.strictObject({
  outcome: z.enum(ITEM_FILTERS).optional(),
  limit: queryInt(1, 500).optional(),
  cursor: z.string().max(MAX_CURSOR_LENGTH).optional(),
});

/** RFC 9457 problem details; extension members depend on the errorCode. */
export const ProblemSchema = z
  .looseObject({
    type: z.string().max(200),
    title: z.string().max(200),
    status: int32().min(400).max(599),
    detail: z.string().max(QUOTES_BODY_MAX),
    instance: z.string().max(8192).describe('The request path'),
    errorCode: z.enum(ERROR_CODES),
    errorTicket: z.string().max(64),
    traceId: z.string().max(32),
    errors: z
      .array(
        z.union([
          z.object({
            index: int32(),
            telephoneNumber: z
              .string()
              .max(33)
              .optional()
              .describe('The entry as sent, if a string; cut to 32 characters and …'),
            errorCode: z.enum([
              'INVALID_E164',
              'INVALID_COUNTRY_CODE',
              'IMPOSSIBLE_LENGTH',
              'DUPLICATE_NUMBER',
            ]),
            detail: z.string().max(TEXT_MAX),
            suggestion: e164String().optional(),
            indexes: z.array(int32()).max(2).optional(),
          }),
          z.object({
            pointer: z.string().max(QUOTES_BODY_MAX),
            detail: z.string().max(TEXT_MAX),
            in: z.string().max(16).optional(),
          }),
        ]),
      )
      .max(MAX_PROBLEM_ERRORS)
      .optional()
      .describe(
        `400: every bad entry (per-entry codes) or every bad property, the first ${MAX_PROBLEM_ERRORS} of them`,
      ),
    errorsOmitted: int32()
      .min(1)
      .optional()
      .describe(`How many more errors there are beyond the first ${MAX_PROBLEM_ERRORS} listed`),
    jobId: uuid().optional().describe('JOB_FAILED: the job to look at'),
    job: JobSchema.optional().describe('JOB_FINISHED: the job as it is'),
  })
  .meta({ id: 'Problem' });
