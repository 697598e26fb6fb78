import type { FailureBudget } from '../api/auth/failure-budget.ts';
import type { OperationBudget } from '../api/budgets/operation-budget.ts';
import type { AppDeps } from '../api/deps.ts';
import type { OperationName } from '../domain/operations.ts';
import type { JobService } from '../jobs/service.ts';
import type { NumberService } from '../numbers/service.ts';

/**
 * What the console's routes are given: the API's own services and budgets, nothing else. No
 * database handle: every read and write goes through a service, as the API's routes do.
 */
export interface ConsoleContext {
  deps: Pick<AppDeps, 'config' | 'redis' | 'keys'>;
  jobs: JobService;
  numbers: NumberService;
  /** The operation budgets the API's operation routes spend (same Redis counters). */
  operationBudgets: Record<OperationName, OperationBudget>;
  /** The API's failed-authentication budget (same instance, same per-address counters). */
  authFailures: FailureBudget;
}
