import { once } from 'node:events';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { numbersInOrder } from '../../src/numbers/inventory-queries.ts';
import { useAppsDatabase } from '../support/app.ts';
import { createTenant } from '../support/factories.ts';
import { waitFor } from '../support/wait.ts';

// What a CSV export of the number list may hold, and for how long (docs/operations.md, "CSV
// exports"): no snapshot or connection between its batches, one export per operator per
// instance, and a download that reads too slowly, or not at all, is cut in a bounded time.

const URL = '/api/v3/oc/numbers';
// About 12 MB of CSV each: far more than a paused reader's socket buffers take in.
const ROWS = 100_000;
const t = useAppsDatabase();
let alpha: Awaited<ReturnType<typeof createTenant>>;
let beta: Awaited<ReturnType<typeof createTenant>>;
let gamma: Awaited<ReturnType<typeof createTenant>>;
const open: IncomingMessage[] = [];

/** An app of its own; `close` first drops the downloads still open (they would hold it up). */
async function app(overrides: Record<string, string> = {}) {
  const started = await t.app(t.prefix('export-limits'), overrides);
  const close = async () => {
    for (const response of open.splice(0)) response.destroy();
    await started.close();
  };
  return { api: { close }, base: await started.listen() };
}

beforeAll(async () => {
  [alpha, beta, gamma] = [
    await createTenant(t.db),
    await createTenant(t.db),
    await createTenant(t.db),
  ];
  for (const [tenant, area] of [
    [alpha, '303'],
    [beta, '720'],
  ] as const) {
    await t.sql`
      insert into telephone_numbers (e164, operator_id, customer_id, status)
      select '+1' || ${area} || lpad(i::text, 7, '0'), ${tenant.operator.id},
             ${tenant.customer.id}, 'Active'
      from generate_series(1, ${ROWS}) as i`;
  }
});
afterAll(async () => {
  // Before the apps close and the database goes (useAppsDatabase, after the file).
  for (const response of open) response.destroy();
});

function request(base: string, key: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = httpGet(
      `${base}${URL}`,
      { headers: { authorization: `Bearer ${key}`, accept: 'text/csv' } },
      resolve,
    );
    req.on('error', reject);
  });
}

/** Starts an export and stops reading after its first chunk. */
async function pausedExport(base: string, key: string): Promise<IncomingMessage> {
  const response = await request(base, key);
  expect(response.statusCode).toBe(200);
  open.push(response);
  // A cut shows as `complete: false` at close (and an "aborted" error, expected here).
  response.on('error', () => {});
  await once(response, 'data');
  response.pause();
  return response;
}

/** Reads a whole answer: status, body and whether it arrived complete. */
async function readAll(response: IncomingMessage) {
  let body = '';
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => (body += chunk));
  response.on('error', () => {});
  await new Promise((resolve) => response.once('close', resolve));
  return { status: response.statusCode, body, complete: response.complete };
}

/**
 * Waits until the operator can export again, i.e. the server let go of its earlier download
 * (a cut client that reads nothing would only notice once it reads); the time that took.
 */
async function slotFreed(base: string, key: string): Promise<number> {
  const started = Date.now();
  let freedAfter = 0;
  await waitFor('the export slot to come back', async () => {
    const response = await request(base, key);
    if (response.statusCode === 429) {
      response.resume();
      return undefined;
    }
    freedAfter = Date.now() - started;
    expect(response.statusCode).toBe(200);
    response.destroy();
    return true;
  });
  return freedAfter;
}

/** What the cut client gets once it reads on: the download ends before its final chunk. */
async function truncated(response: IncomingMessage): Promise<boolean> {
  response.resume();
  if (!response.closed) await new Promise((resolve) => response.once('close', resolve));
  return !response.complete;
}

describe('snapshots', () => {
  it('a paused download holds no snapshot, transaction or connection between its batches', async () => {
    const { api, base } = await app({ EXPORT_MIN_BYTES_PER_S: '0' });
    try {
      const paused = await pausedExport(base, alpha.apiKey.key);
      // Watched for 6 s while the download stays open: every snapshot an API backend holds is
      // a batch's query, milliseconds old (seconds at worst on a loaded machine). A transaction
      // held across the download would be as old as the watch by its end.
      const WATCH_MS = 6000;
      const oldest: number[] = [];
      for (const end = Date.now() + WATCH_MS; Date.now() < end; await sleep(100)) {
        const [row] = await t.sql<{ age: number | null }[]>`
          select max(extract(epoch from now() - xact_start))::float8 as age
          from pg_stat_activity
          where datname = ${t.name} and application_name = 'oc-numbers-api'
            and backend_xmin is not null`;
        oldest.push(row?.age ?? 0);
      }
      expect(Math.max(...oldest)).toBeLessThan(WATCH_MS / 2000);
      expect(paused.complete).toBe(false);
      expect(paused.closed).toBe(false);
    } finally {
      await api.close();
    }
  });
});

describe('batch queries', () => {
  it("run under their statement timeout, which bounds each one's snapshot", async () => {
    const all = numbersInOrder(
      t.sql,
      { operatorId: alpha.operator.id },
      { batchSize: ROWS, batchTimeoutMs: 1 },
    );
    await expect(all.next()).rejects.toMatchObject({ code: '57014' });
    const batches = numbersInOrder(
      t.sql,
      { operatorId: alpha.operator.id },
      { batchSize: 40_000, batchTimeoutMs: 5000 },
    );
    const sizes: number[] = [];
    for await (const batch of batches) sizes.push(batch.length);
    expect(sizes).toEqual([40_000, 40_000, 20_000]);
  });
});

describe('slots', () => {
  it('one operator cannot take every slot: its second export is 429, others still export', async () => {
    const { api, base } = await app();
    try {
      const first = await pausedExport(base, alpha.apiKey.key);
      const second = await readAll(await request(base, alpha.apiKey.key));
      expect(second.status).toBe(429);
      expect(JSON.parse(second.body)).toMatchObject({ errorCode: 'RATE_LIMITED' });
      // Another operator gets the instance's other slot.
      const other = await readAll(await request(base, gamma.apiKey.key));
      expect(other).toMatchObject({ status: 200, complete: true });
      // With both slots held, a third operator waits for the instance: 503.
      const held = await pausedExport(base, beta.apiKey.key);
      const full = await readAll(await request(base, gamma.apiKey.key));
      expect(full.status).toBe(503);
      first.destroy();
      held.destroy();
      // Gone clients give their slots back.
      await waitFor('a slot to come back', async () => {
        const again = await readAll(await request(base, gamma.apiKey.key));
        return again.status === 200 ? true : undefined;
      });
    } finally {
      await api.close();
    }
  });
});

describe('slow and silent clients', () => {
  it('cuts a client that reads nothing within two rate windows, and frees its slot', async () => {
    const { api, base } = await app({
      EXPORT_MIN_BYTES_PER_S: '65536',
      EXPORT_RATE_WINDOW_MS: '500',
    });
    try {
      const paused = await pausedExport(base, alpha.apiKey.key);
      expect(await slotFreed(base, alpha.apiKey.key)).toBeLessThan(5000);
      expect(await truncated(paused)).toBe(true);
    } finally {
      await api.close();
    }
  });

  it('cuts a client that reads 20 KB/s when 64 KB/s is the minimum', async () => {
    const { api, base } = await app({
      EXPORT_MIN_BYTES_PER_S: '65536',
      EXPORT_RATE_WINDOW_MS: '500',
    });
    const slow = await pausedExport(base, beta.apiKey.key);
    const reader = setInterval(() => slow.read(1024), 50);
    try {
      expect(await slotFreed(base, beta.apiKey.key)).toBeLessThan(15_000);
    } finally {
      clearInterval(reader);
      await api.close();
    }
  });

  it('cuts a download that outlives its deadline', async () => {
    const { api, base } = await app({ EXPORT_MIN_BYTES_PER_S: '0', EXPORT_DEADLINE_MS: '1500' });
    try {
      const paused = await pausedExport(base, alpha.apiKey.key);
      const freedAfter = await slotFreed(base, alpha.apiKey.key);
      expect(freedAfter).toBeGreaterThan(1000);
      expect(freedAfter).toBeLessThan(5000);
      expect(await truncated(paused)).toBe(true);
    } finally {
      await api.close();
    }
  });
});
