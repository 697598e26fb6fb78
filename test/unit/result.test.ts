import { describe, expect, it } from 'vitest';
import { READY_FOR_REMOVAL } from '../../src/domain/operations.ts';
import { buildJobResult, failureDetail } from '../../src/jobs/result.ts';
import { JobResultSchema } from '../../src/jobs/result-schemas.ts';

const base = { jobId: '6f1c2f8e-8a4f-4d55-9a55-7c1d2f0e9b10', failures: [], cancelled: false };
const result = (
  requestedCount: number,
  processedCount: number,
  successCount: number,
  cancelled = false,
) =>
  buildJobResult(READY_FOR_REMOVAL, {
    ...base,
    requestedCount,
    processedCount,
    successCount,
    cancelled,
  });

describe('job results', () => {
  it('names success, partialSuccess, failure and cancelled from the counts', () => {
    expect(result(3, 3, 3)).toMatchObject({
      status: 'success',
      succeeded: true,
      message: 'Numbers successfully transitioned to ReadyForRemoval status',
      data: { failedCount: 0 },
    });
    expect(result(3, 3, 2)).toMatchObject({
      status: 'partialSuccess',
      succeeded: false,
      message: '2 of 3 numbers transitioned to ReadyForRemoval status',
      data: { failedCount: 1 },
    });
    expect(result(3, 3, 0)).toMatchObject({ status: 'failure', succeeded: false });
    expect(result(5, 2, 1, true)).toMatchObject({
      status: 'cancelled',
      succeeded: false,
      message: 'Cancelled after 2 of 5 numbers; 1 transitioned to ReadyForRemoval status',
      data: { processedCount: 2, failedCount: 1 },
    });
  });

  it('matches its own schema (the OpenAPI document and the serializer use it)', () => {
    expect(JobResultSchema.safeParse(result(3, 3, 2)).success).toBe(true);
  });

  it('explains every failure code, naming the current status of an INVALID_STATUS', () => {
    expect(failureDetail(READY_FOR_REMOVAL, 'NUMBER_NOT_FOUND')).toMatch(/does not exist/);
    expect(failureDetail(READY_FOR_REMOVAL, 'NOT_OPERATOR_CONNECT_CUSTOMER')).toMatch(
      /Operator Connect customer/,
    );
    expect(failureDetail(READY_FOR_REMOVAL, 'INVALID_STATUS', 'Active')).toBe(
      'The telephone number is in Active status; only MarkedForRemoval numbers can be transitioned to ReadyForRemoval',
    );
  });
});
