import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../config.ts';
import { JOB_ITEM_CSV_COLUMNS } from '../../domain/item-columns.ts';
import { OPERATIONS, type Operation } from '../../domain/operations.ts';
import type { ItemRow } from '../../jobs/queries.ts';
import { failureDetail } from '../../jobs/result.ts';
import type { FailureCode } from '../../jobs/result-schemas.ts';
import type { JobService } from '../../jobs/service.ts';
import { principalOf } from '../auth/bearer.ts';
import { guardedDownload } from '../http/download-guard.ts';
import { negotiateMediaType } from '../http/negotiate.ts';
import { notFound } from '../http/problem.ts';
import { NEGOTIATED, operatorResponseHeaders } from '../openapi/headers.ts';
import { invalidListQuery, operatorProblems, problems } from '../openapi/problems.ts';
import { itemsCursor } from '../views/cursor.ts';
import { JobItemsSchema, JobParams, ListItemsQuery } from '../views/job-schemas.ts';
import { JOBS_PATH } from './job-answers.ts';

export type ItemView = z.output<typeof JobItemsSchema>['data'][number];

// A job holds at most 500 numbers: CSV defaults to all of them in one answer.
const DEFAULT_LIMIT = { json: 100, csv: 500 };

export function registerJobItemsRoute(
  app: FastifyInstance,
  jobs: JobService,
  limits: Config['exports'],
) {
  app.withTypeProvider<ZodTypeProvider>().get(
    `${JOBS_PATH}/:jobId/items`,
    {
      schema: {
        tags: ['jobs'],
        security: [{ bearerAuth: [] }],
        summary: "A job's numbers in request order with their outcomes (JSON or text/csv)",
        operationId: 'listJobItems',
        description:
          'NOT_PROCESSED: not processed yet, or never (cancelled job). `Accept: text/csv` gives the same page as CSV (Accept q-values are honoured; nothing acceptable → 406).',
        params: JobParams,
        querystring: ListItemsQuery,
        response: {
          200: {
            description: 'One page of items',
            content: {
              'application/json': { schema: JobItemsSchema },
              'text/csv': {
                // 500 rows of at most a few hundred characters each.
                schema: z
                  .string()
                  .max(200_000)
                  .describe(`Columns: ${JOB_ITEM_CSV_COLUMNS.join(',')}`),
              },
            },
          },
          ...operatorProblems(),
          ...problems(404, 406),
          400: invalidListQuery(),
        },
        ...operatorResponseHeaders({
          ...NEGOTIATED,
          200: { ...NEGOTIATED[200], Link: 'optional' },
        }),
      },
    },
    async (request, reply) => {
      const { operatorId } = principalOf(request);
      const { jobId } = request.params;
      const csv =
        negotiateMediaType(request, reply, ['application/json', 'text/csv']) === 'text/csv';
      const { outcome, cursor } = request.query;
      const limit = request.query.limit ?? DEFAULT_LIMIT[csv ? 'csv' : 'json'];
      // Checked before the job is looked up: the answer to a bad cursor says nothing about it.
      const scope = { operatorId, jobId, outcome };
      const afterPosition = itemsCursor.decode(cursor, scope);
      const job = await jobs.get(operatorId, jobId);
      if (!job) throw notFound();
      const page = await jobs.items(operatorId, jobId, {
        limit,
        ...(outcome && { outcome }),
        ...(afterPosition !== undefined && { afterPosition }),
      });
      const last = page.items.at(-1);
      const nextCursor = page.hasMore && last ? itemsCursor.encode(last.position, scope) : null;
      if (nextCursor) {
        const next = new URLSearchParams({ limit: String(limit), cursor: nextCursor });
        if (outcome) next.set('outcome', outcome);
        reply.header('link', `<${JOBS_PATH}/${jobId}/items?${next}>; rel="next"`);
      }
      const operation = OPERATIONS[job.operation];
      const data = page.items.map((item) => toItemView(operation, item));
      if (csv) {
        return (
          reply
            .type('text/csv; charset=utf-8')
            .header('content-disposition', `attachment; filename="job-${jobId}-items.csv"`)
            // One page (at most 500 rows, one query): nothing is held while it downloads, but
            // it keeps to the downloads' deadline and rate like the number list's export.
            .send(guardedDownload([toCsv(data)], reply, limits) as never)
        );
      }
      return { data, nextCursor };
    },
  );
}

export function toItemView(operation: Operation, item: ItemRow): ItemView {
  const view: ItemView = {
    position: item.position,
    telephoneNumber: item.telephoneNumber,
    outcome: item.outcome ?? 'NOT_PROCESSED',
    processedAt: item.processedAt?.toISOString() ?? null,
  };
  if (item.currentStatus) view.currentStatus = item.currentStatus;
  if (item.outcome && item.outcome !== 'SUCCEEDED') {
    view.detail = failureDetail(operation, item.outcome as FailureCode, item.currentStatus);
  }
  return view;
}

function csvField(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(items: ItemView[]): string {
  const lines = [JOB_ITEM_CSV_COLUMNS.join(',')];
  for (const item of items)
    lines.push(JOB_ITEM_CSV_COLUMNS.map((c) => csvField(item[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
