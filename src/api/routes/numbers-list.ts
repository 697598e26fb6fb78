import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { NumberService } from '../../numbers/service.ts';
import { parseStatusInput } from '../../numbers/status-input.ts';
import { principalOf } from '../auth/bearer.ts';
import { createExportSlots, exportSlotsFor } from '../budgets/export-slots.ts';
import type { AppDeps } from '../deps.ts';
import { guardedDownload } from '../http/download-guard.ts';
import { negotiateMediaType } from '../http/negotiate.ts';
import { NEGOTIATED, operatorResponseHeaders } from '../openapi/headers.ts';
import { operatorProblems, problem, problems } from '../openapi/problems.ts';
import { numberPageCursor } from '../views/cursor.ts';
import { normalizeInventoryQuery } from '../views/inventory-query.ts';
import { CSV_COLUMNS, numbersCsv, toNumberView } from '../views/number-rows.ts';
import {
  invalidListQueryProblem,
  ListNumbersQuery,
  NumberPageSchema,
} from '../views/number-schemas.ts';

// Rows per query of the CSV export (about 120 KB of CSV), and how long one such query may hold
// its snapshot: its statement timeout. A batch takes milliseconds; as for the worker's chunks,
// a statement over 30 s is a fault, not work.
const CSV_BATCH = { batchSize: 1000, batchTimeoutMs: 30_000 };

export function registerNumbersList(
  app: FastifyInstance,
  deps: Pick<AppDeps, 'config'>,
  numbers: NumberService,
) {
  const exports = createExportSlots({
    perInstance: exportSlotsFor(deps.config.databasePoolMax),
    perOperator: deps.config.exports.perOperatorMax,
  });
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/v3/oc/numbers',
    {
      preValidation: normalizeInventoryQuery,
      schema: {
        operationId: 'listNumbers',
        tags: ['numbers'],
        security: [{ bearerAuth: [] }],
        summary: "The operator's numbers sorted by telephone number, a page at a time or as CSV",
        description:
          'Filters: msTenantId (a customer), acquiredNumberStatus. Empty parameters are ignored. ' +
          '`Accept: text/csv` streams every number of the filter (PageNumber and PageSize do ' +
          'not apply), telephoneNumber first: a file the bulk client takes as input. Each API ' +
          'instance runs a few exports at a time (a quarter of its database pool; past that, ' +
          '503 with Retry-After) and EXPORTS_PER_OPERATOR_MAX per operator (past that, 429 ' +
          'with Retry-After); a download slower than EXPORT_MIN_BYTES_PER_S or longer than ' +
          'EXPORT_DEADLINE_MS is cut (the connection closes before the final chunk). Every ' +
          "answer spends the operator's read budget.",
        querystring: ListNumbersQuery,
        response: {
          200: {
            description: 'One page, or the whole filtered list as CSV',
            content: {
              'application/json': { schema: NumberPageSchema },
              'text/csv': {
                schema: z
                  .string()
                  .max(Number.MAX_SAFE_INTEGER)
                  .describe(`Columns: ${CSV_COLUMNS.join(',')}`),
              },
            },
          },
          ...operatorProblems(),
          ...problems(406),
          400: invalidListQueryProblem,
          429: problem(429, {
            description:
              "RATE_LIMITED: too many failed authentications from this client, the operator's read budget is spent, or the operator's CSV exports are all in use; `detail` says which",
          }),
          503: problem(503, {
            description:
              'SERVICE_UNAVAILABLE: Postgres or Redis unreachable, the instance is shutting down, or its CSV exports are all in use (Retry-After)',
          }),
        },
        // A 429 for export slots all in use is no budget's: its RateLimit fields may be absent.
        ...operatorResponseHeaders({
          ...NEGOTIATED,
          429: { ...NEGOTIATED[429], RateLimit: 'optional', 'RateLimit-Policy': 'optional' },
        }),
      },
    },
    async (request, reply) => {
      const { operatorId } = principalOf(request);
      const { msTenantId, acquiredNumberStatus, PageNumber, PageSize, cursor } = request.query;
      const status = acquiredNumberStatus && parseStatusInput(acquiredNumberStatus);
      const filter = { operatorId, ...(msTenantId && { msTenantId }), ...(status && { status }) };
      const type = negotiateMediaType(request, reply, ['application/json', 'text/csv']);
      if (type === 'text/csv') {
        const release = exports.acquire(operatorId);
        const lines = await numbersCsv(numbers.inOrder(filter, CSV_BATCH)).catch((err: unknown) => {
          release();
          throw err;
        });
        // The slot goes back once every row is read, or the download ended early.
        const csv = guardedDownload(lines, reply, deps.config.exports, { onProduced: release });
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="numbers.csv"')
          .send(csv as never); // a stream is piped as is; the schema types JSON only
      }
      const page = await numbers.page(filter, {
        size: PageSize,
        pageNumber: PageNumber,
        after: numberPageCursor.decode(cursor, filter),
      });
      return {
        currentPage: page.currentPage,
        pageSize: PageSize,
        totalPages: page.totalPages,
        totalRecords: page.totalRecords,
        data: page.rows.map(toNumberView),
        nextCursor: numberPageCursor.encode(page.next, filter),
      };
    },
  );
}
