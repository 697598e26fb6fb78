import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useApiSuite } from '../support/app.ts';
import { fetchedAnswer } from './checked-answers.ts';
import { committedDocument } from './document.ts';
import { createClient, createConfig } from './generated/client/index.ts';
import { getJob, listJobItems, readyForRemoval } from './generated/index.ts';
import type { Job } from './generated/types.gen.ts';
import { createResponseValidator } from './response-validator.ts';

// The client generated from the committed document (generate-client.ts) works against
// the real app over HTTP, and every answer it gets matches that document.

const suite = useApiSuite('oas-client');
const validator = createResponseValidator(committedDocument());

async function generatedClient() {
  const client = createClient(
    createConfig({ baseUrl: await suite.api.listen(), auth: suite.tenant.apiKey.key }),
  );
  const answers: number[] = [];
  client.interceptors.response.use(async (response, request) => {
    validator.assert(await fetchedAnswer(request.method, new URL(request.url).pathname, response));
    answers.push(response.status);
    return response;
  });
  return { client, answers };
}

describe('the generated client', () => {
  it('dry-runs, submits, reads the job and its items, and gets typed problems', async () => {
    const { client, answers } = await generatedClient();
    const numbers = await suite.marked(2);

    const dry = await readyForRemoval({
      client,
      body: { telephoneNumbers: numbers },
      query: { dryRun: 'true' },
    });
    expect(dry.response?.status).toBe(200);
    expect(dry.data).toMatchObject({ dryRun: true, data: { jobId: null, successCount: 2 } });

    const accepted = await readyForRemoval({
      client,
      body: { telephoneNumbers: numbers },
      headers: { prefer: 'respond-async' },
    });
    expect(accepted.response?.status).toBe(202);
    const { jobId } = accepted.data as Job;
    expect(accepted.response?.headers.get('location')).toBe(`/api/v3/oc/numbers/jobs/${jobId}`);

    const job = await getJob({ client, path: { jobId } });
    expect(job.data).toMatchObject({ jobId, operation: 'ready-for-removal' });
    const items = await listJobItems({ client, path: { jobId } });
    expect(items.data?.data.map((item) => item.telephoneNumber)).toEqual(numbers);

    const missing = await getJob({ client, path: { jobId: randomUUID() } });
    expect(missing.response?.status).toBe(404);
    expect(missing.error?.errorCode).toBe('NOT_FOUND');
    expect(answers).toEqual([200, 202, 200, 200, 404]);
  });
});
