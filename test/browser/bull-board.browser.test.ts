import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATION_QUEUE } from '../../src/queue/operation-queue.ts';
import { type TestApp, useAppsDatabase } from '../support/app.ts';
import { HAS_CHROMIUM, launchChromium, openPage, SKIP_REASON } from '../support/browser.ts';
import { createNumbers, createTenant } from '../support/factories.ts';
import { startTestWorker } from '../support/test-worker.ts';

// Debian's chromium, driven by playwright-core (which downloads no browser of its own), as
// the console's browser tests start it.
if (!HAS_CHROMIUM) console.warn(`bull-board browser test skipped: ${SKIP_REASON}`);
const SCREENSHOT = 'test-output/bull-board.png';
const BOARD_USER = 'board-admin';
const BOARD_PASSWORD = 'board-e2e-password';

describe('Bull Board in headless Chromium', () => {
  const database = useAppsDatabase();
  const prefix = database.prefix('ops-e2e');
  let app: TestApp;
  let worker: { close(): Promise<void> };
  let browser: Browser | undefined;
  let baseUrl: string;
  let jobId: string;

  beforeAll(async () => {
    if (!HAS_CHROMIUM) return;
    app = await database.app(prefix, {
      BULL_BOARD_USER: BOARD_USER,
      BULL_BOARD_PASSWORD: BOARD_PASSWORD,
    });
    baseUrl = await app.app.listen({ host: '127.0.0.1', port: 0 });
    worker = await startTestWorker(app.config, database.db, app.deps.logger);

    // A real request, processed by a real worker, waited for synchronously.
    const { operator, customer, apiKey } = await createTenant(database.db);
    const numbers = await createNumbers(database.db, {
      operatorId: operator.id,
      customerId: customer.id,
      status: 'MarkedForRemoval',
      count: 3,
    });
    const res = await fetch(`${baseUrl}/api/v3/oc/numbers/action/ready-for-removal`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ telephoneNumbers: numbers }),
    });
    const body = (await res.json()) as { status: string; data: { jobId: string } };
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.status).toBe('success');
    jobId = body.data.jobId;

    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await worker?.close(); // the database after the file (useAppsDatabase)
  });

  it('refuses a browser without credentials', async (ctx) => {
    if (!browser) return ctx.skip(SKIP_REASON);
    const context = await browser.newContext();
    try {
      // Headless Chromium has no login dialog: a Basic challenge it cannot answer fails the load.
      const page = await context.newPage();
      await expect(page.goto(`${baseUrl}/admin/queues`)).rejects.toThrow(
        /ERR_INVALID_AUTH_CREDENTIALS/,
      );
      const response = await context.request.get(`${baseUrl}/admin/queues`);
      expect(response.status()).toBe(401);
      expect(response.headers()['www-authenticate']).toContain('Basic realm="oc-numbers-admin"');
    } finally {
      await context.close();
    }
  });

  it('logs in, sees the queue, opens the finished job and reads its progress and result', async (ctx) => {
    if (!browser) return ctx.skip(SKIP_REASON);
    const context = await browser.newContext({
      httpCredentials: { username: BOARD_USER, password: BOARD_PASSWORD },
      viewport: { width: 1280, height: 900 },
    });
    try {
      // The board links a web font; the network is closed, so only our server is reachable.
      const { page } = await openPage(context, baseUrl);

      await page.goto(`${baseUrl}/admin/queues`);
      try {
        await page.getByRole('link', { name: 'ready-for-removal' }).first().click();
      } catch (e) {
        await page.screenshot({ path: 'test-output/dbg.png' });
        console.log(await page.content());
        throw e;
      }
      await expect.poll(() => page.url()).toContain(`/admin/queues/queue/${OPERATION_QUEUE}`);
      await page.getByText('COMPLETED', { exact: false }).first().click();
      const card = page
        .locator('div', { hasText: jobId })
        .filter({ hasText: 'Ready for removal · 3 numbers' })
        .last();
      await card.waitFor();

      await card.getByRole('tab', { name: 'Progress' }).click();
      await expect.poll(() => card.textContent()).toContain('processedCount');
      const progress = (await card.textContent()) ?? '';
      for (const field of [
        'requestedCount:3',
        'processedCount:3',
        'successCount:3',
        'percent:100',
      ]) {
        expect(progress.replaceAll(' ', '')).toContain(field);
      }
      mkdirSync('test-output', { recursive: true });
      await page.screenshot({ path: 'test-output/bull-board-progress.png', fullPage: true });

      await card.getByRole('tab', { name: 'Data' }).click();
      await expect.poll(() => card.textContent()).toContain('returnValue');
      // The return value is a summary (status and counts); telephone numbers stay in Postgres.
      const resultText = ((await card.textContent()) ?? '').replaceAll(' ', '');
      for (const field of ['status:"success"', 'successCount:3', 'failedCount:0']) {
        expect(resultText).toContain(field);
      }
      expect(resultText).not.toMatch(/\+1\d{6,}/);

      // One job is far below the workers' limiter (WORKER_LIMITER_MAX): no "rate limited" badge.
      expect(await page.getByText(/rate limited/i).count()).toBe(0);
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    } finally {
      await context.close();
    }
  }, 90_000);
});
