import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { jobs, telephoneNumbers } from '../../src/db/tables.ts';
import { statusChanges } from '../../src/numbers/status-changes.ts';
import { useApiSuite } from '../support/app.ts';

// What the two operations' endpoints share, against the real API and a real worker: dry runs
// that evaluate every rule and write nothing, and the same answers to bad requests.

const CONFIRM = '/api/v3/oc/numbers/action/ready-for-removal';
const CLEAR = '/api/v3/oc/action/clear-removal-status';
const suite = useApiSuite('api-ops-shared', { WORKER_CHUNK_SIZE: '10' });
const { marked, post } = suite;

async function historyCount(): Promise<number> {
  const sql = suite.t.sql;
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from ${statusChanges(sql)} c`;
  return row?.n ?? 0;
}

async function jobCount(): Promise<number> {
  const [row] = await suite.t.db.select({ n: sql<number>`count(*)::int` }).from(jobs);
  return row?.n ?? 0;
}

describe('?dryRun=true', () => {
  it('evaluates every rule on both endpoints and writes nothing', async () => {
    const numbers = await marked(2);
    const unknown = '+12065550187';
    await suite.t.db
      .update(telephoneNumbers)
      .set({ status: 'Active' })
      .where(eq(telephoneNumbers.e164, numbers[1] as string));
    const before = { jobs: await jobCount(), history: await historyCount() };
    const body = { telephoneNumbers: [numbers[0], numbers[1], unknown] };
    const expected = [
      [CONFIRM, 'Dry run: 1 of 3 numbers would transition to ReadyForRemoval status'],
      [CLEAR, 'Dry run: 1 of 3 numbers would be cleared of removal status'],
    ] as const;
    for (const [url, message] of expected) {
      const res = await post(`${url}?dryRun=true`, body);
      expect(res.statusCode).toBe(200);
      // The budget is spent like any request's.
      expect(res.headers.ratelimit).toBeDefined();
      expect(res.json()).toEqual({
        data: {
          jobId: null,
          requestedCount: 3,
          processedCount: 3,
          successCount: 1,
          failedCount: 2,
          failures: [
            expect.objectContaining({
              telephoneNumber: numbers[1],
              errorCode: 'INVALID_STATUS',
              currentStatus: 'Active',
            }),
            expect.objectContaining({ telephoneNumber: unknown, errorCode: 'NUMBER_NOT_FOUND' }),
          ],
        },
        status: 'partialSuccess',
        succeeded: false,
        message,
        dryRun: true,
      });
    }
    expect({ jobs: await jobCount(), history: await historyCount() }).toEqual(before);
    const [stillMarked] = await suite.t.db
      .select({ n: sql<number>`count(*)::int` })
      .from(telephoneNumbers)
      .where(
        and(
          eq(telephoneNumbers.e164, numbers[0] as string),
          eq(telephoneNumbers.status, 'MarkedForRemoval'),
        ),
      );
    expect(stillMarked?.n).toBe(1);
  });

  it('still validates the whole request', async () => {
    const res = await post(`${CLEAR}?dryRun=true`, { telephoneNumbers: ['+1 425-555-1212'] });
    expect(res.statusCode).toBe(400);
    expect(res.json().errorCode).toBe('INVALID_TELEPHONE_NUMBERS');
    const bad = await post(`${CLEAR}?dryRun=maybe`, { telephoneNumbers: await marked(1) });
    expect(bad.statusCode).toBe(400);
  });
});

describe('the two endpoints answer bad requests alike', () => {
  const cases: [string, unknown, Record<string, string>?][] = [
    ['no numbers', { telephoneNumbers: [] }],
    [
      'too many',
      { telephoneNumbers: Array.from({ length: 501 }, (_, i) => `+1206555${1000 + i}`) },
    ],
    [
      'bad entries',
      { telephoneNumbers: ['+1 425-555-1212', '+999123', '+12065550100', '+12065550100'] },
    ],
    ['unknown property', { telephoneNumbers: ['+12065550100'], extra: true }],
    ['not an object', [1, 2]],
    ['wrong content type', 'telephoneNumbers', { 'content-type': 'text/plain' }],
  ];
  it.each(cases)('%s', async (_name, body, headers) => {
    const strip = (res: Awaited<ReturnType<typeof post>>) => {
      const { instance, errorTicket, traceId, ...rest } = res.json();
      expect([instance, errorTicket, traceId].every(Boolean)).toBe(true);
      return { status: res.statusCode, type: res.headers['content-type'], body: rest };
    };
    const confirm = strip(await post(CONFIRM, body, headers));
    const clear = strip(await post(CLEAR, body, headers));
    expect(confirm.status).toBeGreaterThanOrEqual(400);
    expect(clear).toEqual(confirm);
  });

  it('without a key, 401 on both', async () => {
    for (const url of [CONFIRM, CLEAR]) {
      const res = await suite.api.app.inject({
        method: 'POST',
        url,
        payload: { telephoneNumbers: [] },
      });
      expect(res.statusCode).toBe(401);
    }
  });
});
