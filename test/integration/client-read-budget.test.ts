import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClient } from '../support/client-run.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { createMarkedNumbers, createTenant } from '../support/factories.ts';
import { type ServiceProcess, startApi } from '../support/processes.ts';
import { deletePrefix, uniquePrefix } from '../support/redis.ts';
import { REDIS_URL } from '../support/services.ts';

// The operator's read budget (one read per 2 s here) refuses the client's second read with 429
// and Retry-After; the client waits for the window instead of giving up with exit 4.

const WINDOW_MS = 2000;

let db: TestDatabase;
let prefix: string;
let api: ServiceProcess;
let env: Record<string, string>;
let jobId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  prefix = uniquePrefix('client-reads');
  api = await startApi({
    DATABASE_URL: db.url,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    READ_RATE_LIMIT_OPERATOR_MAX: '1',
    READ_RATE_LIMIT_WINDOW_MS: String(WINDOW_MS),
  });
  const tenant = await createTenant(db.db);
  const numbers = await createMarkedNumbers(db.db, tenant, 2);
  env = { OCN_API_KEY: tenant.apiKey.key, OCN_URL: api.url as string };
  // No worker runs: the job stays queued, and the POST spends no read budget.
  const accepted = await fetch(`${api.url}/api/v3/oc/numbers/action/ready-for-removal`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${tenant.apiKey.key}`,
      'content-type': 'application/json',
      prefer: 'respond-async',
    },
    body: JSON.stringify({ telephoneNumbers: numbers }),
  });
  expect(accepted.status).toBe(202);
  jobId = ((await accepted.json()) as { jobId: string }).jobId;
}, 60_000);
afterAll(async () => {
  await api?.stop();
  await deletePrefix(prefix).catch(() => {});
  await db?.drop();
});

describe('the bulk client and the read budget', () => {
  it('waits out a 429 on a read and then answers', async () => {
    const first = runClient(['jobs', 'get', jobId], env);
    expect(await first.exited).toBe(0);
    const second = runClient(['jobs', 'get', jobId], env);
    expect(await second.exited, second.stderrLines().join('\n')).toBe(0);
    expect(second.stdout()).toMatch(/^state {6}queued$/m);
  }, 60_000);
});
