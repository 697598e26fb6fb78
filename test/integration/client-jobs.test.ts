import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchedAnswer } from '../contract/checked-answers.ts';
import { committedDocument } from '../contract/document.ts';
import { createResponseValidator } from '../contract/response-validator.ts';
import { runClient } from '../support/client-run.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { createMarkedNumbers, createTenant } from '../support/factories.ts';
import { type ServiceProcess, startApi } from '../support/processes.ts';
import { deletePrefix, uniquePrefix } from '../support/redis.ts';
import { REDIS_URL } from '../support/services.ts';

// `jobs list|get|watch|cancel|items` against a real API. No worker runs, so a job stays
// queued until the test cancels it: every state the commands show is one the test made.

let db: TestDatabase;
let prefix: string;
let api: ServiceProcess;
let env: Record<string, string>;
let jobId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  prefix = uniquePrefix('client-jobs');
  api = await startApi({ DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: prefix });
  const tenant = await createTenant(db.db);
  const numbers = await createMarkedNumbers(db.db, tenant, 3);
  env = { OCN_API_KEY: tenant.apiKey.key, OCN_URL: api.url as string };
  const accepted = await fetch(`${api.url}/api/v3/oc/numbers/action/ready-for-removal`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${tenant.apiKey.key}`,
      'content-type': 'application/json',
      prefer: 'respond-async',
    },
    body: JSON.stringify({ telephoneNumbers: numbers }),
  });
  createResponseValidator(committedDocument()).assert(
    await fetchedAnswer('POST', '/api/v3/oc/numbers/action/ready-for-removal', accepted),
  );
  expect(accepted.status).toBe(202);
  jobId = ((await accepted.json()) as { jobId: string }).jobId;
}, 60_000);
afterAll(async () => {
  await api?.stop();
  await deletePrefix(prefix).catch(() => {});
  await db?.drop();
});

describe('jobs commands', () => {
  it('list and get show the queued job', async () => {
    const list = runClient(['jobs', 'list', '--json'], env);
    expect(await list.exited).toBe(0);
    expect(JSON.parse(list.stdout()).data).toMatchObject([{ jobId, state: 'queued' }]);
    const get = runClient(['jobs', 'get', jobId], env);
    expect(await get.exited).toBe(0);
    expect(get.stdout()).toMatch(/^state {6}queued$/m);
  }, 30_000);

  it('watch follows the job until cancel ends it; items lists the numbers left', async () => {
    const watch = runClient(['jobs', 'watch', jobId], env);
    await watch.waitForLines(new RegExp(`^${jobId} .* queued`), 1);
    const cancel = runClient(['jobs', 'cancel', jobId], env);
    expect(await cancel.exited).toBe(0);
    expect(cancel.stdout()).toMatch(/^state {6}cancelled$/m);
    expect(await watch.exited).toBe(1); // ended without every number succeeding
    expect(watch.stdout()).toMatch(/^result {5}cancelled: /m);

    const items = runClient(['jobs', 'items', jobId, '--outcome', 'NOT_PROCESSED'], env);
    expect(await items.exited).toBe(0);
    const lines = items.stdout().trimEnd().split('\n');
    expect(lines[0]).toBe('position,telephoneNumber,outcome,currentStatus,detail,processedAt');
    expect(lines.slice(1).map((l) => l.split(',')[2])).toEqual(Array(3).fill('NOT_PROCESSED'));
  }, 30_000);

  it('a malformed job id is a usage error; an unknown one is a refusal', async () => {
    const bad = runClient(['jobs', 'get', 'nope'], env);
    expect(await bad.exited).toBe(2);
    expect(bad.stderrLines()).toEqual([expect.stringContaining('a job id (a UUID) is required')]);
    const unknown = runClient(['jobs', 'get', '00000000-0000-4000-8000-000000000000'], env);
    expect(await unknown.exited).toBe(4);
    expect(unknown.stderrLines()).toEqual([expect.stringContaining('404 NOT_FOUND')]);
  }, 30_000);
});
