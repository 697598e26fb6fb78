import type { Operation } from '../domain/operations.ts';
import type { NumberStatus } from '../domain/statuses.ts';
import type { FailureCode, JobResult, NumberFailure, ResultStatus } from './result-schemas.ts';

// The body of a finished operation job: the original endpoint's shape, extended with counts and
// per-number failures. The texts come from the operation.

export function failureDetail(
  operation: Operation,
  errorCode: FailureCode,
  currentStatus?: NumberStatus | null,
): string {
  switch (errorCode) {
    case 'NUMBER_NOT_FOUND':
      return 'The telephone number does not exist in this inventory';
    case 'NOT_OPERATOR_CONNECT_CUSTOMER':
      return 'The telephone number is not associated with an Operator Connect customer';
    case 'INVALID_STATUS':
      return operation.messages.invalidStatus(currentStatus);
  }
}

export interface ResultInput {
  jobId: string;
  requestedCount: number;
  processedCount: number;
  successCount: number;
  failures: NumberFailure[];
  cancelled: boolean;
}

export function buildJobResult(operation: Operation, input: ResultInput): JobResult {
  const { requestedCount, processedCount, successCount, cancelled } = input;
  const { messages } = operation;
  const status: ResultStatus = cancelled
    ? 'cancelled'
    : successCount === requestedCount
      ? 'success'
      : successCount === 0
        ? 'failure'
        : 'partialSuccess';
  const message = cancelled
    ? `Cancelled after ${processedCount} of ${requestedCount} numbers; ${successCount} ${messages.movedVerb}`
    : status === 'success'
      ? messages.allMoved
      : messages.someMoved(successCount, requestedCount);
  return {
    data: {
      jobId: input.jobId,
      requestedCount,
      processedCount,
      successCount,
      failedCount: processedCount - successCount,
      failures: input.failures,
    },
    status,
    succeeded: status === 'success',
    message,
  };
}
