import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { idempotencyKeys, jobs } from '../../src/db/tables.ts';
import { type ApiSuite, useApiSuite } from '../support/app.ts';
import { createMarkedNumbers, createTenant } from '../support/factories.ts';
import { lockNumbers } from '../support/worker-blocker.ts';

// Idempotency-Key (docs/api.md, "Retry safely"), scoped to the operator, with a real worker.

const URL = '/api/v3/oc/numbers/action/ready-for-removal';
const suite = useApiSuite('api-idem');
// Filled in by beforeAll, once the suite is open.
let { t, api, tenant, auth } = {} as ApiSuite;

beforeAll(() => {
  ({ t, api, tenant, auth } = suite);
});

const marked = (count: number) => createMarkedNumbers(t.db, tenant, count);

const submit = (telephoneNumbers: string[], headers: Record<string, string>, key = auth) =>
  api.app.inject({
    method: 'POST',
    url: URL,
    headers: { ...key, ...headers },
    payload: { telephoneNumbers },
  });

const jobCount = async (operatorId = tenant.operator.id): Promise<number> => {
  const [row] = await t.db
    .select({ n: sql<number>`count(*)::int` })
    .from(jobs)
    .where(eq(jobs.operatorId, operatorId));
  return row?.n ?? 0;
};

describe('Idempotency-Key', () => {
  it('same key and body → the first job and its result, never a second job', async () => {
    const numbers = await marked(2);
    const first = await submit(numbers, { 'idempotency-key': '"order-1"' });
    expect(first.statusCode).toBe(200);
    const before = await jobCount();
    const again = await submit(numbers, { 'idempotency-key': '"order-1"' });
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    // The numbers are ReadyForRemoval now: a second job would have reported a failure.
    expect(JSON.parse(again.body)).toEqual(JSON.parse(first.body));
    expect(JSON.parse(again.body).status).toBe('success');
    expect(await jobCount()).toBe(before);
  });

  it('while the first job runs, an async replay answers 202 with that job; a sync one waits for its result', async () => {
    const numbers = await marked(1);
    // Hold the number so the first job cannot finish yet.
    const release = await lockNumbers(t.sql, [numbers[0] as string]);
    const first = await submit(numbers, { 'idempotency-key': 'order-2', prefer: 'respond-async' });
    expect(first.statusCode).toBe(202);
    const replay = await submit(numbers, { 'idempotency-key': 'order-2', prefer: 'respond-async' });
    expect(replay.statusCode).toBe(202);
    expect(replay.headers.location).toBe(first.headers.location);
    expect(JSON.parse(replay.body).jobId).toBe(JSON.parse(first.body).jobId);
    // A synchronous retry (its first try's connection died) waits like the first request.
    const syncReplay = submit(numbers, { 'idempotency-key': 'order-2' });
    await release();
    const answered = await syncReplay;
    expect(answered.statusCode).toBe(200);
    expect(answered.headers['idempotent-replayed']).toBe('true');
    expect(JSON.parse(answered.body)).toMatchObject({
      status: 'success',
      data: { jobId: JSON.parse(first.body).jobId, processedCount: 1 },
    });
  });

  it('same key, different body → 422 IDEMPOTENCY_KEY_MISMATCH, nothing queued', async () => {
    const numbers = await marked(2);
    await submit(numbers, { 'idempotency-key': 'order-3', prefer: 'respond-async' });
    const before = await jobCount();
    const res = await submit([...numbers].reverse(), { 'idempotency-key': 'order-3' });
    expect(res.statusCode).toBe(422);
    expect(JSON.parse(res.body)).toMatchObject({
      status: 422,
      errorCode: 'IDEMPOTENCY_KEY_MISMATCH',
      detail: 'This Idempotency-Key was already used with a different request body',
    });
    expect(await jobCount()).toBe(before);
  });

  it('concurrent duplicates create exactly one job', async () => {
    const numbers = await marked(3);
    const before = await jobCount();
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        submit(numbers, { 'idempotency-key': 'order-4', prefer: 'respond-async' }),
      ),
    );
    // A replay answers about the first job: 202 while it runs, its 200 result once it ended
    // (the worker may finish it before the last duplicates arrive).
    for (const a of answers) expect([200, 202]).toContain(a.statusCode);
    const jobIds = answers.map((a) => {
      const body = JSON.parse(a.body);
      return a.statusCode === 200 ? body.data.jobId : body.jobId;
    });
    expect(new Set(jobIds).size).toBe(1);
    expect(await jobCount()).toBe(before + 1);
  });

  it('keys are scoped to the operator', async () => {
    const other = await createTenant(t.db);
    const otherAuth = { authorization: `Bearer ${other.apiKey.key}` };
    const numbers = await marked(1);
    const mine = await submit(numbers, { 'idempotency-key': 'shared', prefer: 'respond-async' });
    const theirs = await submit(
      numbers,
      { 'idempotency-key': 'shared', prefer: 'respond-async' },
      otherAuth,
    );
    expect(theirs.statusCode).toBe(202);
    expect(JSON.parse(theirs.body).jobId).not.toBe(JSON.parse(mine.body).jobId);
    expect(await jobCount(other.operator.id)).toBe(1);
  });

  it('an expired key starts a new job', async () => {
    const numbers = await marked(1);
    const first = await submit(numbers, { 'idempotency-key': 'order-5', prefer: 'respond-async' });
    await t.db
      .update(idempotencyKeys)
      .set({ createdAt: sql`now() - interval '25 hours'` })
      .where(eq(idempotencyKeys.key, 'order-5'));
    const later = await submit(numbers, { 'idempotency-key': 'order-5', prefer: 'respond-async' });
    expect(later.statusCode).toBe(202);
    expect(JSON.parse(later.body).jobId).not.toBe(JSON.parse(first.body).jobId);
    const [key] = await t.db
      .select()
      .from(idempotencyKeys)
      .where(eq(idempotencyKeys.key, 'order-5'));
    expect(key?.jobId).toBe(JSON.parse(later.body).jobId);
  });

  it('a dry run stores no key: the real run with that key then creates its job', async () => {
    const numbers = await marked(2);
    const before = await jobCount();
    const dry = await api.app.inject({
      method: 'POST',
      url: `${URL}?dryRun=true`,
      headers: { ...auth, 'idempotency-key': '"order-6"', prefer: 'respond-async' },
      payload: { telephoneNumbers: numbers },
    });
    expect(dry.statusCode).toBe(200);
    expect(dry.json()).toMatchObject({ dryRun: true, data: { jobId: null } });
    expect(dry.headers['preference-applied']).toBeUndefined();
    const stored = await t.db
      .select()
      .from(idempotencyKeys)
      .where(eq(idempotencyKeys.key, 'order-6'));
    expect(stored).toEqual([]);
    expect(await jobCount()).toBe(before);

    const real = await submit(numbers, { 'idempotency-key': '"order-6"' });
    expect(real.statusCode).toBe(200);
    expect(real.headers['idempotent-replayed']).toBeUndefined();
    expect(real.json()).toMatchObject({ status: 'success', data: { successCount: 2 } });
    expect(real.json().dryRun).toBeUndefined();
    expect(await jobCount()).toBe(before + 1);
  });
});
