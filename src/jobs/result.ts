import type { ItemOutcome, NumberStatus } from '../numbers/status.ts';

// The body of a finished ready-for-removal job (SPEC §3.6): the original endpoint's shape,
// extended with counts and per-number failures.

export type FailureCode = Exclude<ItemOutcome, 'SUCCEEDED'>;

export interface NumberFailure {
  telephoneNumber: string;
  errorCode: FailureCode;
  currentStatus?: NumberStatus;
  detail: string;
}

export type ResultStatus = 'success' | 'partialSuccess' | 'failure' | 'cancelled';

export interface JobResult {
  data: {
    jobId: string;
    requestedCount: number;
    processedCount: number;
    successCount: number;
    failedCount: number;
    failures: NumberFailure[];
  };
  status: ResultStatus;
  succeeded: boolean;
  message: string;
}

export function failureDetail(errorCode: FailureCode, currentStatus?: NumberStatus | null): string {
  switch (errorCode) {
    case 'NUMBER_NOT_FOUND':
      return 'The telephone number does not exist in this inventory';
    case 'NOT_OPERATOR_CONNECT_CUSTOMER':
      return 'The telephone number is not associated with an Operator Connect customer';
    case 'INVALID_STATUS':
      return `The telephone number is in ${currentStatus ?? 'another'} status; only MarkedForRemoval numbers can be transitioned to ReadyForRemoval`;
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

export function buildJobResult(input: ResultInput): JobResult {
  const { requestedCount, processedCount, successCount, cancelled } = input;
  const status: ResultStatus = cancelled
    ? 'cancelled'
    : successCount === requestedCount
      ? 'success'
      : successCount === 0
        ? 'failure'
        : 'partialSuccess';
  const message = cancelled
    ? `Cancelled after ${processedCount} of ${requestedCount} numbers; ${successCount} transitioned to ReadyForRemoval status`
    : status === 'success'
      ? 'Numbers successfully transitioned to ReadyForRemoval status'
      : `${successCount} of ${requestedCount} numbers transitioned to ReadyForRemoval status`;
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
