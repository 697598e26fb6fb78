import {
  createOperationWorker,
  type OperationWorker,
  type WorkerDeps,
} from '../../workers/create-worker.ts';
import type { ApiSuite } from './app.ts';
import { bearer, postJson } from './app.ts';
import { createMarkedNumbers, createTenant } from './factories.ts';
import { forTheFile } from './for-the-file.ts';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.ts';

// A fresh operator per webhook test (its endpoints see only its own jobs), with endpoints on a
// receiver's paths and a way to run its jobs.

export const WEBHOOKS = '/api/v3/oc/webhooks';
export const ACTION = '/api/v3/oc/numbers/action/ready-for-removal';

export async function webhookTenant(suite: Pick<ApiSuite, 't' | 'api'>) {
  const tenant = await createTenant(suite.t.db);
  const auth = bearer(tenant.apiKey.key);
  const call = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
    suite.api.app.inject({ method, url, headers: auth, ...(payload && { payload }) });
  return {
    tenant,
    auth,
    call,
    /** Registers `receiver`'s `path`; returns the endpoint with its secret. */
    async endpoint(receiver: WebhookReceiver, path: string, events?: string[]) {
      const res = await call('POST', WEBHOOKS, {
        url: receiver.url(path),
        ...(events && { events }),
      });
      if (res.statusCode !== 201) throw new Error(`endpoint not created: ${res.body}`);
      return res.json() as { id: string; secret: string };
    },
    /** Runs a job over `count` marked numbers and waits for its answer (200 once it ended). */
    async runJob(count = 2, headers: Record<string, string> = {}) {
      const numbers = await createMarkedNumbers(suite.t.db, tenant, count);
      const res = await postJson(suite.api, auth, ACTION, { telephoneNumbers: numbers }, headers);
      const jobId: string = res.json().data?.jobId ?? res.json().jobId;
      return { res, jobId, numbers };
    },
    deliveries: async (endpointId: string) =>
      (await call('GET', `${WEBHOOKS}/${endpointId}/deliveries`)).json().data as {
        messageId: string;
        attempt: number;
        state: string;
        responseStatus: number | null;
        error: string | null;
        nextAttemptAt: string | null;
        jobId: string;
        type: string;
      }[],
  };
}

/**
 * For the file: a receiver, and one in-process worker (the suite's own is off) delivering to it
 * with `deps` on top of the suite's configuration, database and logger.
 */
export function useDeliveringWorker(
  suite: Pick<ApiSuite, 'api'>,
  deps: Partial<WorkerDeps> = {},
): WebhookReceiver {
  let worker: OperationWorker | undefined;
  return forTheFile(
    async () => {
      const receiver = await startWebhookReceiver();
      try {
        worker = await createOperationWorker({
          config: suite.api.config,
          db: suite.api.deps.db,
          logger: suite.api.deps.logger,
          recoveryIntervalMs: 0,
          ...deps,
        });
      } catch (err) {
        await receiver.close();
        throw err;
      }
      return receiver;
    },
    async (receiver) => {
      await worker?.close();
      await receiver.close();
    },
  );
}
