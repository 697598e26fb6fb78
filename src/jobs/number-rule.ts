import type { Sql } from '../db/client.ts';
import type { Operation } from '../domain/operations.ts';

/**
 * The per-number rule of every operation, once: the outcome of one requested number as a SQL
 * expression. The chunk statement (`transitionChunk`) and the dry run's read (`dryRun`) both
 * embed it, so they cannot disagree. It reads `n`, the number's row among the job operator's
 * numbers (all nulls when there is none), and `c`, that number's customer. The operation's
 * values are parameters, so every operation shares one prepared statement.
 */
export function numberOutcome(sql: Sql, operation: Operation) {
  return sql`(case
      when n.id is null then 'NUMBER_NOT_FOUND'
      when c.id is null or not c.operator_connect then 'NOT_OPERATOR_CONNECT_CUSTOMER'
      when n.status <> ${operation.fromStatus}::number_status then 'INVALID_STATUS'
      else 'SUCCEEDED'
    end)::item_outcome`;
}
