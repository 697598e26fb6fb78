import { z } from 'zod';
import { ITEM_OUTCOMES, JOB_STATES, NUMBER_STATUSES } from '../db/enums.ts';
import { OPERATION_NAMES } from '../jobs/operations.ts';
import {
  e164String,
  int32,
  JobFields,
  ResultCounts,
  ResultStatusSchema,
  TEXT_MAX,
  timestamp,
  uuid,
} from '../jobs/schemas.ts';
import { E164_PATTERN, MAX_NUMBERS_PER_REQUEST } from '../limits.ts';

// Request and parameter schemas of the API, and the job lists; the job shapes are in
// jobs/schemas.ts, the problem answers in openapi-problems.ts.
// They type the handlers, serialize the answers and generate the OpenAPI document (one
// source). Action bodies are checked by validation/numbers-body.ts, which reports every
// problem at once; their schema here documents them.

const E164_EXAMPLE = '+14255551212';

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

/** The headers an action reads. */
export const ActionHeaders = z.looseObject({
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

/** The query string of an action. */
export const ActionQuery = z.object({
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

export const JobListSchema = z
  .object({
    data: z.array(JobListEntrySchema).max(100),
    nextCursor: z.string().max(200).nullable(),
  })
  .meta({ id: 'JobList' });

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

export const JobItemsSchema = z
  .object({
    data: z.array(JobItemSchema).max(500),
    nextCursor: z.string().max(200).nullable(),
  })
  .meta({ id: 'JobItemPage' });

export const JobParams = z.object({ jobId: uuid() });

export const ListJobsQuery = z.strictObject({
  state: z.enum(JOB_STATES).optional(),
  operation: z.enum(OPERATION_NAMES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20).meta({ format: 'int32' }),
  cursor: z.string().max(200).optional(),
});

export const ListItemsQuery = z.strictObject({
  outcome: z.enum(ITEM_FILTERS).optional(),
  limit: z.coerce.number().int().min(1).max(500).meta({ format: 'int32' }).optional(),
  cursor: z.string().max(200).optional(),
});
