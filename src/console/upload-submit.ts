import type { FastifyRequest } from 'fastify';
import { OPERATIONS } from '../domain/operations.ts';
import type { ConsoleContext } from './context.ts';
import { createConsoleJob } from './create-job.ts';
import type { Upload, UploadStore } from './upload-store.ts';

/**
 * Submits the upload's batches that have no job yet, one job each, each spending the
 * operation's budget like an API request; the first refusal stops the round and records
 * when to try again (the page then waits that long and posts again, or offers a button). Each
 * batch has its own Idempotency-Key, so two rounds at once still make one job per batch.
 */
export async function submitPendingBatches(
  ctx: ConsoleContext,
  store: UploadStore,
  upload: Upload,
  request: FastifyRequest,
): Promise<Upload> {
  const operation = OPERATIONS[upload.operation];
  const budget = ctx.operationBudgets[upload.operation];
  delete upload.waitUntil;
  for (const [index, batch] of upload.batches.entries()) {
    if (upload.jobIds[index]) continue;
    const state = await budget.spend(upload.operatorId);
    if (!state.allowed) {
      upload.waitUntil = Date.now() + state.retryAfterS * 1000;
      break;
    }
    const job = await createConsoleJob(
      ctx,
      request,
      operation,
      batch.numbers,
      batch.idempotencyKey,
    );
    upload.jobIds[index] = job.id;
    await store.save(upload);
  }
  await store.save(upload);
  return upload;
}
