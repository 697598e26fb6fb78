import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, type TestApp, useAppsDatabase } from '../support/app.ts';
import { createTenant, uniqueE164 } from '../support/factories.ts';
import { JOBS } from '../support/job-routes.ts';

// Pagination cursors are checked strictly and bound to the list they came from: a forged value,
// or a cursor of another job, filter, operator or route, is a 400 INVALID_CURSOR, never a 500 or
// a quietly empty page (docs/api.md, "Jobs").

const ACTION = '/api/v3/oc/numbers/action/ready-for-removal';
const t = useAppsDatabase();
const prefix = t.prefix('api-cursors');
let api: TestApp;
let alpha: { authorization: string };
let beta: { authorization: string };
const jobIds: string[] = [];

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const get = (url: string, auth = alpha) =>
  api.app.inject({ method: 'GET', url, headers: { ...auth } });

beforeAll(async () => {
  // No worker: the jobs stay queued, each with its numbers NOT_PROCESSED.
  api = await t.app(prefix);
  alpha = bearer((await createTenant(t.db)).apiKey.key);
  beta = bearer((await createTenant(t.db)).apiKey.key);
  for (let i = 0; i < 3; i++) {
    const res = await api.app.inject({
      method: 'POST',
      url: ACTION,
      headers: { ...alpha, prefer: 'respond-async' },
      payload: { telephoneNumbers: [uniqueE164(), uniqueE164(), uniqueE164()] },
    });
    jobIds.push(res.json().jobId);
  }
});

/** The nextCursor of a first page. */
async function cursorOf(url: string, auth = alpha): Promise<string> {
  const res = await get(url, auth);
  expect(res.statusCode).toBe(200);
  const cursor = res.json().nextCursor;
  expect(typeof cursor).toBe('string');
  return cursor;
}

function expectInvalidCursor(res: Awaited<ReturnType<typeof get>>, what: string) {
  expect({ what, status: res.statusCode, code: res.json().errorCode }).toEqual({
    what,
    status: 400,
    code: 'INVALID_CURSOR',
  });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
}

describe('items cursors', () => {
  it('refuse forged values (never a 500)', async () => {
    const [job] = jobIds;
    for (const forged of [
      b64({ k: 'items', a: 1e20 }),
      b64({ k: 'items', a: 2 ** 31 }),
      b64({ k: 'items', a: 1.5 }),
      b64({ k: 'items', a: '1' }),
      b64({ k: 'items', a: -1 }),
      b64({ k: 'items' }),
      b64([1, 2]),
      b64(null),
      'AAAA',
      '%%%',
    ]) {
      expectInvalidCursor(await get(`${JOBS}/${job}/items?cursor=${forged}`), forged);
    }
  });

  it("refuse another job's, another filter's, another operator's and another list's cursor", async () => {
    const [job, other] = jobIds;
    const cursor = await cursorOf(`${JOBS}/${job}/items?limit=1`);
    // The cursor works where it came from, whatever the page size.
    expect((await get(`${JOBS}/${job}/items?limit=2&cursor=${cursor}`)).json().data).toHaveLength(
      2,
    );
    expectInvalidCursor(await get(`${JOBS}/${other}/items?cursor=${cursor}`), 'other job');
    expectInvalidCursor(
      await get(`${JOBS}/${job}/items?outcome=NOT_PROCESSED&cursor=${cursor}`),
      'other filter',
    );
    expectInvalidCursor(await get(`${JOBS}/${job}/items?cursor=${cursor}`, beta), 'other operator');
    expectInvalidCursor(await get(`${JOBS}?cursor=${cursor}`), 'other list');
  });

  it("answer another operator's cursor on its job exactly as on a missing job", async () => {
    const [job] = jobIds;
    const cursor = await cursorOf(`${JOBS}/${job}/items?limit=1`);
    const bodies = new Set<string>();
    for (const id of [job as string, crypto.randomUUID()]) {
      const res = await get(`${JOBS}/${id}/items?cursor=${cursor}`, beta);
      expectInvalidCursor(res, id);
      const { errorTicket: _e, traceId: _t, instance: _i, ...rest } = res.json();
      bodies.add(JSON.stringify(rest));
    }
    expect([...bodies]).toHaveLength(1);
  });
});

describe('job list cursors', () => {
  it("refuse another filter's, another operator's and another list's cursor", async () => {
    const cursor = await cursorOf(`${JOBS}?limit=1`);
    expect((await get(`${JOBS}?limit=1&cursor=${cursor}`)).json().data).toHaveLength(1);
    expectInvalidCursor(await get(`${JOBS}?state=queued&cursor=${cursor}`), 'other state');
    expectInvalidCursor(
      await get(`${JOBS}?operation=ready-for-removal&cursor=${cursor}`),
      'other operation',
    );
    expectInvalidCursor(await get(`${JOBS}?cursor=${cursor}`, beta), 'other operator');
    expectInvalidCursor(
      await get(`${JOBS}/${jobIds[0]}/items?cursor=${cursor}`),
      'other list (items)',
    );
  });

  it('refuse a forged job id', async () => {
    for (const forged of [b64({ k: 'jobs', a: 'x' }), b64({ k: 'jobs', a: 1 })]) {
      expectInvalidCursor(await get(`${JOBS}?cursor=${forged}`), forged);
    }
  });
});
