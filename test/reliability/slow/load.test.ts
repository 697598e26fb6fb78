import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueE164 } from '../../support/factories.ts';
import { waitForJobsEnded } from '../../support/invariants.ts';
import { type Answer, assertProblemAnswers, type Client } from '../../support/scenario/http.ts';
import { withOperationQueue } from '../../support/scenario/operation-queue.ts';
import { type Scenario, settleAfterEach, startScenario } from '../../support/scenario/scenario.ts';
import { ASYNC, ENDPOINT, JOBS, tenantWithNumbers } from '../../support/scenario/tenants.ts';
import { REDIS_URL } from '../../support/services.ts';

// Load: the global budget spent by many clients across two API processes, ten
// concurrent jobs over overlapping numbers, and pollers hammering the job API while jobs run.

const BUDGET = 60;
// Jobs per batch in the pollers scenario: enough work (10,000 numbers) to poll during.
const JOBS_PER_BATCH = 20;
let world: Scenario;
let apiA: Client;
let apiB: Client;

beforeAll(async () => {
  const env = { RATE_LIMIT_MAX: String(BUDGET), RATE_LIMIT_WINDOW_MS: '60000' };
  const started = await startScenario('rel-load', env, { apis: 2, workers: 2 });
  world = started.world;
  [apiA, apiB] = started.clients;
});
settleAfterEach(() => world, 90_000);
afterAll(async () => {
  assertProblemAnswers([...(apiA?.answers ?? []), ...(apiB?.answers ?? [])]);
  await world?.close();
});

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

describe('load', () => {
  it('never accepts more than the global budget per window across two API processes; a 429 enqueues nothing', async () => {
    const t = await tenantWithNumbers(world.db.db, 1);
    const answers: Answer[] = [];
    // 24 clients × 8 requests, alternating between the two processes.
    await Promise.all(
      Array.from({ length: 24 }, async (_, c) => {
        for (let r = 0; r < 8; r++) {
          const api = (c + r) % 2 === 0 ? apiA : apiB;
          answers.push(
            await api.request('POST', ENDPOINT, {
              key: t.key,
              headers: ASYNC,
              body: { telephoneNumbers: [uniqueE164()] },
            }),
          );
        }
      }),
    );
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    const budgetKeys = await redis.keys(`${world.prefix}:ratelimit:ready-for-removal:*`);
    // Each global window counter holds what that window spent: a refused request spends
    // nothing, so it never passes BUDGET, and all of them together are the accepted requests.
    const windows = budgetKeys.filter((k) => k.includes(':global:'));
    const spent = await Promise.all(windows.map(async (w) => Number(await redis.get(w))));
    await redis.quit();
    const accepted = answers.filter((a) => a.status === 202);
    const limited = answers.filter((a) => a.status === 429);
    expect(accepted.length + limited.length).toBe(answers.length);
    for (const n of spent) expect(n).toBeLessThanOrEqual(BUDGET);
    expect(spent.reduce((x, y) => x + y, 0)).toBe(accepted.length);
    // 192 requests over at most two windows: at least one window's budget was spent in full.
    expect(accepted.length).toBeGreaterThanOrEqual(BUDGET);
    expect(limited.length).toBeGreaterThan(0);
    for (const answer of limited) {
      expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(answer.headers.get('ratelimit')).toMatch(/r=0/);
      expect(answer.headers.get('ratelimit-policy')).toBe(
        `"global";q=${BUDGET};w=60, "operator";q=${BUDGET};w=60`,
      );
    }
    for (const answer of answers) expect(answer.headers.get('ratelimit')).toBeTruthy();
    const [rows] = await world.db.sql<
      { n: number }[]
    >`select count(*)::int as n from jobs where operator_id = ${t.operator.id}`;
    expect(rows?.n).toBe(accepted.length);
    const counts = await withOperationQueue(world, async (queue) => {
      await waitForJobsEnded(world.db.sql, undefined, 60_000);
      return queue.getJobCounts();
    });
    expect(Object.values(counts).reduce((x, y) => x + y, 0)).toBe(accepted.length);
    console.info(
      `[figure] budget ${BUDGET}/60 s over 2 API processes: ${answers.length} requests from 24 clients → ${accepted.length} accepted, ${limited.length} × 429 (${windows.length} window(s)); jobs rows ${rows?.n}, BullMQ jobs ${accepted.length}`,
    );
    // Let the next scenario start with a fresh budget.
    const cleaner = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    if (budgetKeys.length > 0) await cleaner.del(...budgetKeys);
    await cleaner.quit();
  });

  it('gives each of 50 shared numbers to exactly one of 10 concurrent jobs', async () => {
    const t = await tenantWithNumbers(world.db.db, 50 + 10 * 50);
    const shared = t.numbers.slice(0, 50);
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 10 }, async (_, j) => {
        const own = t.numbers.slice(50 + j * 50, 100 + j * 50);
        // Shared numbers in a different order in every job, interleaved with its own.
        const rotated = [...shared.slice(j * 5), ...shared.slice(0, j * 5)];
        const body = { telephoneNumbers: rotated.flatMap((n, i) => [n, own[i] as string]) };
        const api = j % 2 === 0 ? apiA : apiB;
        return api.request('POST', ENDPOINT, { key: t.key, body });
      }),
    );
    const wallMs = Date.now() - started;
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    const total = results.reduce(
      (sum, r) => sum + (r.json as { data: { successCount: number } }).data.successCount,
      0,
    );
    expect(total).toBe(10 * 50 + 50);
    const failures = results.flatMap(
      (r) =>
        (r.json as { data: { failures: { errorCode: string; currentStatus?: string }[] } }).data
          .failures,
    );
    expect(failures).toHaveLength(9 * 50);
    expect(new Set(failures.map((f) => `${f.errorCode}/${f.currentStatus}`))).toEqual(
      new Set(['INVALID_STATUS/ReadyForRemoval']),
    );
    console.info(
      `[figure] 10 concurrent sync jobs × 100 numbers, 50 % shared: ${total} successes (550 expected), 450 INVALID_STATUS, all answered in ${wallMs} ms`,
    );
  });

  it('keeps progress monotonic and answers fast while pollers hammer the job API', async () => {
    const t = await tenantWithNumbers(world.db.db, 2 * JOBS_PER_BATCH * 500);
    const submitBatch = async (batch: number) => {
      const ids: string[] = [];
      for (let j = 0; j < JOBS_PER_BATCH; j++) {
        const api = j % 2 === 0 ? apiA : apiB;
        const first = (batch * JOBS_PER_BATCH + j) * 500;
        const numbers = t.numbers.slice(first, first + 500);
        const created = await api.request('POST', ENDPOINT, {
          key: t.key,
          headers: ASYNC,
          body: { telephoneNumbers: numbers },
        });
        expect(created.status).toBe(202);
        ids.push((created.json as { jobId: string }).jobId);
      }
      return ids;
    };
    const spanMs = async (ids: string[]) => {
      await waitForJobsEnded(world.db.sql, ids, 60_000);
      const [span] = await world.db.sql<{ ms: number }[]>`
        select extract(epoch from max(finished_at) - min(created_at)) * 1000 as ms from jobs where id = any(${ids}::uuid[])`;
      return Math.round(Number(span?.ms));
    };
    // Baseline: the same work with nobody polling.
    const quietMs = await spanMs(await submitBatch(0));

    const ids: string[] = [];
    const latencies: number[] = [];
    let regressions = 0;
    let stop = false;
    const deadline = Date.now() + 30_000;
    // 10 pollers start before the jobs exist and poll until every job ended (bounded).
    const pollers = Array.from({ length: 10 }, async (_, p) => {
      const last = new Map<string, number>();
      for (let i = 0; i < 3000 && !stop && Date.now() < deadline; i++) {
        const id = ids[(p + i) % Math.max(ids.length, 1)];
        if (!id) {
          await sleep(5);
          continue;
        }
        const at = performance.now();
        const answer = await (p % 2 === 0 ? apiA : apiB).request('GET', `${JOBS}/${id}`, {
          key: t.key,
        });
        latencies.push(performance.now() - at);
        expect(answer.status).toBe(200);
        const view = answer.json as { progress: { processedCount: number } };
        if (view.progress.processedCount < (last.get(id) ?? 0)) regressions++;
        last.set(id, view.progress.processedCount);
      }
    });
    ids.push(...(await submitBatch(1)));
    const busyMs = await spanMs(ids);
    stop = true;
    await Promise.all(pollers);
    expect(regressions).toBe(0);
    console.info(
      `[figure] 10 pollers, ${latencies.length} GETs while ${JOBS_PER_BATCH} × 500-number jobs ran: p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, 0 progress regressions; the jobs took ${busyMs} ms (${quietMs} ms unpolled)`,
    );
  });
});
