import type { Sql } from '../db/client.ts';
import type { Operation } from '../domain/operations.ts';
import type { ItemOutcome, NumberStatus } from '../domain/statuses.ts';
import { numberOutcome } from './number-rule.ts';
import { buildJobResult, failureDetail } from './result.ts';
import type { DryRunResult, FailureCode, NumberFailure } from './result-schemas.ts';

/**
 * What an operation would do now, without doing it: the same rule as `transitionChunk`
 * (`numberOutcome`), for all the request's numbers in one set-based read. Nothing is locked or written and no job is
 * created, so the answer is a snapshot: a real request a moment later may find other statuses.
 */
export async function dryRun(
  sql: Sql,
  operation: Operation,
  operatorId: string,
  telephoneNumbers: string[],
): Promise<DryRunResult> {
  const rows = await sql<{ e164: string; outcome: ItemOutcome; status: NumberStatus | null }[]>`
    select input.e164, n.status, ${numberOutcome(sql, operation)} as outcome
    from unnest(${telephoneNumbers}::text[]) with ordinality as input(e164, ord)
    left join telephone_numbers n on n.e164 = input.e164 and n.operator_id = ${operatorId}::uuid
    left join customers c on c.id = n.customer_id
    order by input.ord`;
  const failures: NumberFailure[] = [];
  for (const row of rows) {
    if (row.outcome === 'SUCCEEDED') continue;
    const errorCode = row.outcome as FailureCode;
    const currentStatus = errorCode === 'INVALID_STATUS' ? row.status : null;
    failures.push({
      telephoneNumber: row.e164,
      errorCode,
      ...(currentStatus ? { currentStatus } : {}),
      detail: failureDetail(operation, errorCode, currentStatus),
    });
  }
  const requestedCount = telephoneNumbers.length;
  const successCount = requestedCount - failures.length;
  const result = buildJobResult(operation, {
    jobId: '',
    requestedCount,
    processedCount: requestedCount,
    successCount,
    failures,
    cancelled: false,
  });
  return {
    data: { ...result.data, jobId: null },
    status: result.status,
    succeeded: result.succeeded,
    message: `Dry run: ${successCount} of ${requestedCount} numbers would ${operation.messages.wouldMove}`,
    dryRun: true,
  };
}
