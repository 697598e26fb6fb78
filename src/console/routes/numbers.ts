import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { principalOf } from '../../api/auth/bearer.ts';
import { spendOperationBudget } from '../../api/budgets/operation-budget.ts';
import { HttpProblem } from '../../api/http/problem.ts';
import { numberPageCursor } from '../../api/views/cursor.ts';
import { toNumberView } from '../../api/views/number-rows.ts';
import { parseNumbersBody } from '../../api/views/numbers-body.ts';
import { UUID_PATTERN } from '../../domain/limits.ts';
import { OPERATIONS } from '../../domain/operations.ts';
import { NUMBER_STATUSES } from '../../domain/statuses.ts';
import { parseStatusInput } from '../../numbers/status-input.ts';
import type { ConsoleContext } from '../context.ts';
import { createConsoleJob } from '../create-job.ts';
import { list, operationField, requestIdField, text } from '../forms.ts';
import { renderPage } from '../render.ts';

export const PAGE_SIZE = 50;

/**
 * The numbers: filter (customer, status), page, select; preview is the API's dry run, confirm
 * creates the job. Both spend the operation's budget, as the API's POSTs do.
 */
export function registerNumbersPages(app: FastifyInstance, ctx: ConsoleContext) {
  const phoneValidation = ctx.deps.config.phoneValidation;

  app.get('/numbers', async (request, reply) => {
    const { operatorId } = principalOf(request);
    const query = request.query as Record<string, unknown>;
    const msTenantId = text(query.msTenantId);
    if (msTenantId !== undefined && !UUID_PATTERN.test(msTenantId)) {
      throw new HttpProblem(400, 'INVALID_TENANT_ID', 'The customer must be a tenant id (a GUID)');
    }
    const statusText = text(query.status);
    const status = statusText === undefined ? undefined : parseStatusInput(statusText);
    if (statusText !== undefined && !status) {
      throw new HttpProblem(400, 'INVALID_REQUEST', `Unknown status ${statusText}`);
    }
    const filter = { operatorId, ...(msTenantId && { msTenantId }), ...(status && { status }) };
    // The API's list, with its keyset cursor: the next page costs the same at any depth.
    const cursor = text(query.cursor);
    const found = await ctx.numbers.page(filter, {
      size: PAGE_SIZE,
      pageNumber: 1,
      after: numberPageCursor.decode(cursor, filter),
    });
    const link = (next?: string) => {
      const params = new URLSearchParams();
      if (msTenantId) params.set('msTenantId', msTenantId);
      if (status) params.set('status', status);
      if (next) params.set('cursor', next);
      return `/console/numbers${params.size > 0 ? `?${params}` : ''}`;
    };
    const next = numberPageCursor.encode(found.next, filter);
    return renderPage(request, reply, 'numbers', {
      title: 'Numbers',
      filter: { msTenantId: msTenantId ?? '', status: status ?? '' },
      statuses: NUMBER_STATUSES,
      operations: Object.values(OPERATIONS),
      numbers: found.rows.map(toNumberView),
      total: found.totalRecords,
      page: found.currentPage,
      totalPages: found.totalPages,
      // Keyset pages go forward; the way back is the first page (or the browser's Back).
      first: cursor ? link() : undefined,
      next: next ? link(next) : undefined,
    });
  });

  const readSelection = (body: Record<string, unknown>) => {
    const operation = operationField(body.operation);
    // "Preview all on this page" sends the page's numbers; otherwise the checked ones.
    const chosen = list(body.scope === 'page' ? body.pageNumbers : body.numbers);
    if (chosen.length === 0) {
      throw new HttpProblem(400, 'INVALID_REQUEST', 'Select at least one number');
    }
    // The API's own body validation: E.164, at most 500, no repeats; every problem at once.
    const numbers = parseNumbersBody({ telephoneNumbers: chosen }, phoneValidation);
    return { operation, numbers };
  };

  app.post(
    '/numbers/preview',
    { preHandler: [app.csrfProtection, spendFor(ctx)] },
    async (request, reply) => {
      const { operatorId } = principalOf(request);
      const { operation, numbers } = readSelection(request.body as Record<string, unknown>);
      const result = await ctx.jobs.dryRun(operation, operatorId, numbers);
      const failures = new Map(result.data.failures.map((f) => [f.telephoneNumber, f]));
      return renderPage(request, reply, 'preview', {
        title: 'Preview',
        operation,
        result,
        rows: numbers.map((telephoneNumber) => ({
          telephoneNumber,
          failure: failures.get(telephoneNumber),
        })),
        numbers,
        requestId: randomUUID(),
      });
    },
  );

  app.post(
    '/numbers/confirm',
    { preHandler: [app.csrfProtection, spendFor(ctx)] },
    async (request, reply) => {
      const body = request.body as Record<string, unknown>;
      const { operation, numbers } = readSelection(body);
      const requestId = requestIdField(body.requestId);
      const job = await createConsoleJob(ctx, request, operation, numbers, `console-${requestId}`);
      return reply.redirect(`/console/jobs/${job.id}`, 303);
    },
  );
}

/** The budget of the operation the form names, spent before the numbers are read. */
function spendFor(ctx: ConsoleContext) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const body = request.body as Record<string, unknown> | undefined;
    const operation = operationField(body?.operation);
    await spendOperationBudget(ctx.operationBudgets[operation.name])(request, reply);
  };
}
