import { inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { jobItems, telephoneNumbers } from '../../src/db/tables.ts';
import { statusChanges } from '../../src/numbers/status-changes.ts';
import { bearer, postJson, useApiSuite } from '../support/app.ts';
import { createTenant } from '../support/factories.ts';

// The second operation against the real API and a real worker: clear-removal-status, and both
// operations over the same numbers. Dry runs and what both endpoints share:
// api-operations-shared.test.ts.

const CONFIRM = '/api/v3/oc/numbers/action/ready-for-removal';
const CLEAR = '/api/v3/oc/action/clear-removal-status';
const JOBS = '/api/v3/oc/numbers/jobs';
const suite = useApiSuite('api-clear', { WORKER_CONCURRENCY: '4', WORKER_CHUNK_SIZE: '10' });
const { marked, post } = suite;

async function statusesOf(numbers: string[]) {
  const rows = await suite.t.db
    .select({
      e164: telephoneNumbers.e164,
      status: telephoneNumbers.status,
      assignable: telephoneNumbers.assignable,
    })
    .from(telephoneNumbers)
    .where(inArray(telephoneNumbers.e164, numbers));
  return new Map(rows.map((r) => [r.e164, r]));
}

describe('clear-removal-status', () => {
  it('puts a number back in service; a second job then confirms only the others', async () => {
    const numbers = await marked(3);
    const cleared = await post(CLEAR, { telephoneNumbers: [numbers[0]] });
    expect(cleared.statusCode).toBe(200);
    const clearBody = cleared.json();
    expect(clearBody).toMatchObject({
      status: 'success',
      succeeded: true,
      message: 'Removal status successfully cleared for all numbers',
      data: { requestedCount: 1, successCount: 1, failures: [] },
    });
    expect((await statusesOf(numbers)).get(numbers[0] as string)).toMatchObject({
      status: 'Active',
      assignable: true,
    });
    const history = await suite.t.sql`
      select from_status, to_status, operation from ${statusChanges(suite.t.sql)} c
      where c.job_id = ${clearBody.data.jobId}`;
    expect(history).toEqual([
      { from_status: 'MarkedForRemoval', to_status: 'Active', operation: 'clear-removal-status' },
    ]);

    const confirmed = await post(CONFIRM, { telephoneNumbers: numbers });
    expect(confirmed.json()).toMatchObject({
      status: 'partialSuccess',
      message: '2 of 3 numbers transitioned to ReadyForRemoval status',
      data: {
        successCount: 2,
        failures: [
          { telephoneNumber: numbers[0], errorCode: 'INVALID_STATUS', currentStatus: 'Active' },
        ],
      },
    });

    const items = await suite.get(
      `${JOBS}/${confirmed.json().data.jobId}/items?outcome=INVALID_STATUS`,
    );
    expect(items.json().data[0].detail).toMatch(
      /only MarkedForRemoval numbers can be transitioned/,
    );

    const view = await suite.get(`${JOBS}/${clearBody.data.jobId}`);
    expect(view.json()).toMatchObject({ operation: 'clear-removal-status', state: 'completed' });
  });

  it('never clears a ReadyForRemoval number, and says why', async () => {
    const numbers = await marked(1);
    expect((await post(CONFIRM, { telephoneNumbers: numbers })).json().status).toBe('success');
    const res = await post(CLEAR, { telephoneNumbers: numbers });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'failure',
      succeeded: false,
      message: '0 of 1 numbers cleared of removal status',
      data: {
        failures: [
          {
            errorCode: 'INVALID_STATUS',
            currentStatus: 'ReadyForRemoval',
            detail:
              'The telephone number is in ReadyForRemoval status; only MarkedForRemoval numbers can be cleared of removal status',
          },
        ],
      },
    });
    expect((await statusesOf(numbers)).get(numbers[0] as string)?.status).toBe('ReadyForRemoval');
    const items = await suite.get(`${JOBS}/${res.json().data.jobId}/items`);
    expect(items.json().data[0]).toMatchObject({
      outcome: 'INVALID_STATUS',
      detail: expect.stringMatching(/can be cleared of removal status$/),
    });
  });

  it('races the other operation over the same numbers: exactly one wins each number', async () => {
    const numbers = await marked(200);
    // Opposite orders, so both jobs meet in the middle of the list.
    const [confirm, clear] = await Promise.all([
      post(CONFIRM, { telephoneNumbers: numbers }),
      post(CLEAR, { telephoneNumbers: [...numbers].reverse() }),
    ]);
    const jobIds = [confirm.json().data.jobId, clear.json().data.jobId];
    expect(confirm.json().data.successCount + clear.json().data.successCount).toBe(200);
    const items = await suite.t.db
      .select({
        number: jobItems.telephoneNumber,
        outcome: jobItems.outcome,
        currentStatus: jobItems.currentStatus,
      })
      .from(jobItems)
      .where(inArray(jobItems.jobId, jobIds));
    expect(items).toHaveLength(400);
    const statuses = await statusesOf(numbers);
    for (const number of numbers) {
      const outcomes = items.filter((i) => i.number === number);
      const winners = outcomes.filter((i) => i.outcome === 'SUCCEEDED');
      expect(winners).toHaveLength(1);
      const loser = outcomes.find((i) => i.outcome !== 'SUCCEEDED');
      // The loser saw the winner's new status, which is the number's status now.
      expect(loser).toMatchObject({ outcome: 'INVALID_STATUS' });
      expect(loser?.currentStatus).toBe(statuses.get(number)?.status);
    }
    const [moves] = await suite.t.sql<{ n: number }[]>`
      select count(*)::int as n from ${statusChanges(suite.t.sql)} c
      where c.job_id = any(${jobIds}::uuid[])`;
    expect(moves?.n).toBe(200);
  });

  it('lists jobs by operation', async () => {
    await post(CLEAR, { telephoneNumbers: await marked(1) });
    const list = async (query: string) => suite.get(`${JOBS}?limit=100&${query}`);
    const clears = (await list('operation=clear-removal-status')).json().data;
    expect(clears.length).toBeGreaterThan(0);
    expect(new Set(clears.map((j: { operation: string }) => j.operation))).toEqual(
      new Set(['clear-removal-status']),
    );
    const confirms = (await list('operation=ready-for-removal')).json().data;
    expect(new Set(confirms.map((j: { operation: string }) => j.operation))).toEqual(
      new Set(['ready-for-removal']),
    );
    const bad = await list('operation=delete-everything');
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
  });

  it('never replays an Idempotency-Key of one operation as the other', async () => {
    const numbers = await marked(1);
    const key = { 'idempotency-key': `op-${numbers[0]}` };
    expect((await post(CONFIRM, { telephoneNumbers: numbers }, key)).statusCode).toBe(200);
    const other = await post(CLEAR, { telephoneNumbers: numbers }, key);
    expect(other.statusCode).toBe(422);
    expect(other.json().errorCode).toBe('IDEMPOTENCY_KEY_MISMATCH');
  });
});

describe('another operator', () => {
  it("can neither clear nor dry-run a tenant's numbers: they look unknown and stay as they are", async () => {
    const numbers = await marked(2);
    const stranger = bearer((await createTenant(suite.t.db)).apiKey.key);
    for (const url of [CLEAR, `${CLEAR}?dryRun=true`, `${CONFIRM}?dryRun=true`]) {
      const res = await postJson(suite.api, stranger, url, { telephoneNumbers: numbers });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        status: 'failure',
        data: {
          successCount: 0,
          failures: numbers.map((n) => ({ telephoneNumber: n, errorCode: 'NUMBER_NOT_FOUND' })),
        },
      });
    }
    const statuses = await statusesOf(numbers);
    expect(numbers.map((n) => statuses.get(n)?.status)).toEqual([
      'MarkedForRemoval',
      'MarkedForRemoval',
    ]);
  });
});
