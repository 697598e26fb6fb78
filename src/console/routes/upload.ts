import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { principalOf } from '../../api/auth/bearer.ts';
import { HttpProblem, notFound } from '../../api/http/problem.ts';
import { OPERATIONS } from '../../domain/operations.ts';
import { isEnded, toJobView } from '../../jobs/job-view.ts';
import type { ConsoleContext } from '../context.ts';
import { isUuid, operationField } from '../forms.ts';
import { renderFragment, renderPage } from '../render.ts';
import { MAX_UPLOAD_NUMBERS, planUpload } from '../upload-plan.ts';
import { createUploadStore, type Upload } from '../upload-store.ts';
import { submitPendingBatches } from '../upload-submit.ts';

/**
 * Upload: a CSV or a list (file or pasted), checked and previewed, then submitted as jobs of at
 * most 500 paced by the operation budget, with their progress on one page.
 */
export function registerUploadPages(app: FastifyInstance, ctx: ConsoleContext) {
  const { config, redis } = ctx.deps;
  const store = createUploadStore(
    redis,
    `${config.queuePrefix}:console:upload`,
    config.console.sessionMaxMs,
  );

  const load = async (request: FastifyRequest) => {
    const { operatorId } = principalOf(request);
    const { uploadId } = request.params as { uploadId: string };
    const upload = isUuid(uploadId) ? await store.load(operatorId, uploadId) : undefined;
    if (!upload) throw notFound('There is no such upload (uploads are kept for a session)');
    return upload;
  };

  // Each batch with its job as it is now (one read per job; an upload has at most 40).
  const progressOf = async (upload: Upload) => {
    const batches = await Promise.all(
      upload.batches.map(async (batch, index) => {
        const jobId = upload.jobIds[index];
        const job = jobId ? await ctx.jobs.get(upload.operatorId, jobId) : undefined;
        return { index, size: batch.numbers.length, job: job && toJobView(job) };
      }),
    );
    const pending = batches.filter((b) => !b.job).length;
    const running = batches.some((b) => b.job && !isEnded(b.job.state));
    const waitS = upload.waitUntil
      ? Math.max(1, Math.ceil((upload.waitUntil - Date.now()) / 1000))
      : 0;
    return { upload, batches, pending, running, waitS, submitted: pending < batches.length };
  };

  app.get('/upload', async (request, reply) =>
    renderPage(request, reply, 'upload', {
      title: 'Upload',
      operations: Object.values(OPERATIONS),
      maxNumbers: MAX_UPLOAD_NUMBERS,
    }),
  );

  app.post('/upload', { preHandler: app.csrfProtection }, async (request, reply) => {
    const { operatorId } = principalOf(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const operation = operationField(body.operation);
    const file = body.file;
    const fileText = Buffer.isBuffer(file) ? file.toString('utf8') : '';
    const listText = typeof body.list === 'string' ? body.list : '';
    const content = fileText.trim() !== '' ? fileText : listText;
    if (content.trim() === '') {
      throw new HttpProblem(400, 'INVALID_REQUEST', 'Choose a file or paste a list of numbers');
    }
    const id = randomUUID();
    const plan = await planUpload(content, operation.name, {
      phoneValidation: config.phoneValidation,
      salt: id,
    });
    await store.save({
      ...plan,
      id,
      operatorId,
      createdAt: new Date().toISOString(),
      jobIds: plan.batches.map(() => null),
    });
    return reply.redirect(`/console/uploads/${id}`, 303);
  });

  app.get('/uploads/:uploadId', async (request, reply) => {
    const progress = await progressOf(await load(request));
    return renderPage(request, reply, 'upload-plan', {
      title: 'Upload',
      operation: OPERATIONS[progress.upload.operation],
      ...progress,
    });
  });

  const fragment = async (reply: FastifyReply, upload: Upload) =>
    renderFragment(reply, 'upload-progress', {
      ...(await progressOf(upload)),
      csrf: await reply.generateCsrf(),
    });

  app.get('/uploads/:uploadId/progress', async (request, reply) =>
    fragment(reply, await load(request)),
  );

  app.post(
    '/uploads/:uploadId/submit',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      const upload = await submitPendingBatches(ctx, store, await load(request), request);
      if (request.headers['hx-request']) return fragment(reply, upload);
      return reply.redirect(`/console/uploads/${upload.id}`, 303);
    },
  );
}
