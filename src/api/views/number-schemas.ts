import { z } from 'zod';
import { E164_PATTERN, UUID_PATTERN } from '../../domain/limits.ts';
import { NUMBER_STATUSES } from '../../domain/statuses.ts';
import { int32, timestamp } from '../../jobs/result-schemas.ts';
import { HISTORY_LIMIT } from '../../numbers/inventory-queries.ts';
import { STATUS_SPELLINGS } from '../../numbers/status-input.ts';
import { problem } from '../openapi/problems.ts';
import { MAX_CURSOR_LENGTH, queryInt } from './job-schemas.ts';

// Schemas of the inventory reads (summary, list, one number). The response schemas carry an
// OpenAPI component id, so the document names them and generated clients get readable types.
// Bounds as in schemas.ts (OWASP API4): every integer has a format, every string and array a
// maximum.

export const MAX_PAGE_SIZE = 1000;

const msTenantId = () => z.string().regex(UUID_PATTERN).max(36);

export const RemovalStatusSummarySchema = z
  .object({
    markedForRemovalCount: int32().min(0),
    readyForRemovalCount: int32().min(0),
    totalCount: int32().min(0).describe('markedForRemovalCount + readyForRemovalCount'),
  })
  .meta({ id: 'RemovalStatusSummary' });

const numberFields = {
  telephoneNumber: z.string().max(16).meta({ example: '+14255551212' }),
  acquiredNumberStatus: z
    .literal([0, 1, 2, 3])
    .meta({ type: 'integer', format: 'int32', minimum: 0, maximum: 3 })
    .describe('0 Active, 1 ReleaseRequested, 2 MarkedForRemoval, 3 ReadyForRemoval'),
  acquiredNumberStatusName: z.enum(NUMBER_STATUSES),
  msTenantId: z.string().max(36).nullable().describe("The customer's tenant; null: no customer"),
  operatorConnect: z.boolean().describe('The customer is an Operator Connect customer'),
  assignable: z.boolean(),
  confirmedForRemovalAt: timestamp().nullable(),
  updatedAt: timestamp(),
};

export const InventoryNumberSchema = z.object(numberFields).meta({ id: 'InventoryNumber' });

export const NumberPageSchema = z
  .object({
    currentPage: int32().min(1),
    pageSize: int32().min(1).max(MAX_PAGE_SIZE),
    totalPages: int32().min(0),
    totalRecords: int32().min(0),
    data: z.array(InventoryNumberSchema).max(MAX_PAGE_SIZE),
    nextCursor: z
      .string()
      .max(MAX_CURSOR_LENGTH)
      .nullable()
      .describe('Pass as `cursor` for the next page; null on the last page'),
  })
  .meta({ id: 'NumberPage' });

export const NumberStatusChangeSchema = z
  .object({
    fromStatus: z.enum(NUMBER_STATUSES).nullable().describe('null: the number was created'),
    toStatus: z.enum(NUMBER_STATUSES),
    at: timestamp(),
    jobId: z.uuid().max(36).nullable().describe('The API job that made the change, if any'),
    operation: z
      .string()
      .max(64)
      .nullable()
      .describe('The job operation (e.g. ready-for-removal), or import for an inventory import'),
    actor: z
      .string()
      .max(200)
      .describe(
        'Who made the change: api-key:<key id>, client:<issuer host>/<client id>, import, …',
      ),
  })
  .meta({ id: 'NumberStatusChange' });

export const NumberWithHistorySchema = z
  .object({
    ...numberFields,
    history: z.array(NumberStatusChangeSchema).max(HISTORY_LIMIT).describe('Newest first'),
  })
  .meta({ id: 'NumberWithHistory' });

export const SummaryQuery = z.strictObject({ msTenantId: msTenantId().optional() });

export const ListNumbersQuery = z.strictObject({
  msTenantId: msTenantId().optional(),
  acquiredNumberStatus: z
    .enum(STATUS_SPELLINGS)
    .optional()
    .describe('A status as name, spaced name or code: MarkedForRemoval, Marked For Removal, 2'),
  PageNumber: queryInt(1, 2_000_000)
    .prefault(1)
    .describe(
      'A page by its number: skips (PageNumber - 1) × PageSize numbers of the index, so a deep page costs in proportion to its depth (page 5,000 of 200: about 100 ms). `cursor` costs the same at any depth',
    ),
  PageSize: queryInt(1, MAX_PAGE_SIZE).prefault(200),
  cursor: z
    .string()
    .max(MAX_CURSOR_LENGTH)
    .optional()
    .describe(
      "The previous page's `nextCursor`: the page after it, with the same filters (another filter's cursor is a 400). PageNumber is then ignored",
    ),
});

export const NumberParams = z.object({
  telephoneNumber: z
    .string()
    .regex(E164_PATTERN)
    .max(16)
    .describe('E.164; send + as %2B or literally'),
});

// The shared problem responses, worded for these routes.
export const invalidQueryProblem = problem(400, {
  codes: ['INVALID_TENANT_ID', 'INVALID_REQUEST'],
  description:
    'INVALID_TENANT_ID: msTenantId is not a GUID; INVALID_REQUEST: another parameter is invalid',
});
export const invalidListQueryProblem = problem(400, {
  codes: ['INVALID_TENANT_ID', 'INVALID_CURSOR', 'INVALID_REQUEST'],
  description:
    'INVALID_TENANT_ID: msTenantId is not a GUID; INVALID_CURSOR: the cursor is not one this list handed out for these filters; INVALID_REQUEST: another parameter is invalid',
});
export const numberNotFoundProblem = problem(404, {
  description: 'NOT_FOUND: no such number for this operator',
});
