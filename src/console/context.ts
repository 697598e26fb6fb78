import type { FailureBudget } from '../api/auth/failure-budget.ts';
import type { OperationBudget } from '../api/budgets/operation-budget.ts';
import type { AppDeps } from '../api/deps.ts';
import type { OperationName } from '../domain/operations.ts';
import type { JobService } from '../jobs/service.ts';

/** What the console's routes are given: the API's own services and budgets, nothing else. */
export interface ConsoleContext {
  deps: AppDeps;
  jobs: JobService;
  /** The action budgets the API's action routes spend (same Redis counters). */
  operationBudgets: Record<OperationName, OperationBudget>;
  /** The API's failed-authentication budget (same instance, same per-address counters). */
  authFailures: FailureBudget;
}
