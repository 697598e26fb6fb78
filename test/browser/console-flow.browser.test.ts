import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../support/app.ts';
import { expectAccessible, POLL, screenshot, useConsoleServer } from '../support/browser.ts';
import { createCustomer, createNumbers, createTenant } from '../support/factories.ts';
import { startTestWorker } from '../support/test-worker.ts';

// The operator console's whole flow in Chromium: sign in, find one customer's
// MarkedForRemoval numbers, preview, confirm, watch the job end, open a number's history,
// upload 1,200 numbers and see three jobs end (one cancelled), sign out for good. Every page
// is checked by axe-core and photographed for docs/console.md.

describe('the operator console in headless Chromium', () => {
  const suite = useConsoleServer('console-e2e', { worker: false });
  let worker: { close(): Promise<void> } | undefined;
  let tenant: Tenant;
  let uploadNumbers: string[];

  beforeAll(async () => {
    if (!suite.server) return;
    const { database, app } = suite.server;
    worker = await startTestWorker(app.config, database.db, app.deps.logger);
    tenant = await createTenant(database.db);
    const other = await createCustomer(database.db, tenant.operator.id);
    const operatorId = tenant.operator.id;
    await createNumbers(database.db, {
      operatorId,
      customerId: tenant.customer.id,
      status: 'MarkedForRemoval',
      count: 4,
    });
    await createNumbers(database.db, {
      operatorId,
      customerId: tenant.customer.id,
      status: 'Active',
      count: 2,
    });
    await createNumbers(database.db, {
      operatorId,
      customerId: other.id,
      status: 'MarkedForRemoval',
      count: 3,
    });
    uploadNumbers = await createNumbers(database.db, {
      operatorId,
      customerId: other.id,
      status: 'MarkedForRemoval',
      count: 1200,
    });
  });

  // Runs before the server closes: vitest runs afterAll hooks last-registered first.
  afterAll(async () => worker?.close());

  it(
    'signs in, confirms a customer’s numbers, uploads 1,200, cancels one job, signs out',
    (ctx) =>
      suite.onPage(ctx, { viewport: { width: 1280, height: 900 } }, async (on) => {
        const { page, cspViolations, context, server } = on;
        const { database, app, baseUrl, browser } = server;

        // Sign in.
        await page.goto(`${baseUrl}/console`);
        expect(new URL(page.url()).pathname).toBe('/console/sign-in');
        await expectAccessible(page, 'sign-in');
        await screenshot(page, 'sign-in');
        await page.getByLabel('API key').fill(tenant.apiKey.key);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('heading', { name: 'Overview' }).waitFor();
        await expectAccessible(page, 'overview');
        await screenshot(page, 'overview');

        // One customer's MarkedForRemoval numbers.
        await page.getByRole('link', { name: 'Numbers', exact: true }).click();
        await page.getByLabel('Customer (tenant id)').fill(tenant.customer.msTenantId);
        await page.getByLabel('Status', { exact: true }).selectOption('MarkedForRemoval');
        await page.getByRole('button', { name: 'Filter' }).click();
        await expect.poll(() => page.locator('#count').textContent(), POLL).toContain('4 numbers');
        await expectAccessible(page, 'numbers');
        await screenshot(page, 'numbers');

        // Select three, preview (dry run), confirm, watch the job end.
        const boxes = page.getByRole('checkbox');
        for (let i = 0; i < 3; i++) await boxes.nth(i).check();
        await page.getByRole('button', { name: 'Preview selected' }).click();
        await page.getByRole('heading', { name: /Preview/ }).waitFor();
        expect(await page.getByText('WOULD_SUCCEED').count()).toBe(3);
        await expectAccessible(page, 'preview');
        await screenshot(page, 'preview');
        await page.getByRole('button', { name: /Confirm/ }).click();
        await expect
          .poll(() => page.locator('#progress').textContent(), POLL)
          .toContain('completed');
        expect(await page.locator('#progress').textContent()).toContain('3 succeeded');
        await expectAccessible(page, 'job');
        await screenshot(page, 'job');

        // A number's history names the job.
        const jobPath = new URL(page.url()).pathname;
        await page.locator('tbody a').first().click();
        await page.getByRole('heading', { name: /^Number/ }).waitFor();
        expect(await page.locator('#status').textContent()).toBe('ReadyForRemoval');
        expect(
          await page.getByRole('link', { name: jobPath.split('/').at(-1) ?? '' }).count(),
        ).toBe(1);
        await expectAccessible(page, 'number');
        await screenshot(page, 'number');

        // Upload 1,200 numbers with no worker running, so one job can be cancelled while queued.
        await worker?.close();
        worker = undefined;
        await page.getByRole('link', { name: 'Upload' }).click();
        await expectAccessible(page, 'upload');
        const csv = `telephoneNumber\n${uploadNumbers.join('\n')}\nnot-a-number\n`;
        await page
          .getByLabel('File (CSV or list)')
          .setInputFiles({ name: 'numbers.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
        await page.getByRole('button', { name: 'Check and preview' }).click();
        await page.getByRole('button', { name: /Submit 3 jobs \(1200 numbers\)/ }).waitFor();
        await expectAccessible(page, 'upload preview');
        await screenshot(page, 'upload-preview');
        await page.getByRole('button', { name: /Submit 3 jobs/ }).click();
        await expect
          .poll(() => page.locator('#upload-progress').textContent(), POLL)
          .toContain('3 of 3 jobs submitted');
        const uploadUrl = page.url();
        const third = page.locator('#upload-progress tbody tr').nth(2).getByRole('link');
        await third.click();
        await page.getByRole('button', { name: 'Cancel the job' }).click();
        await expect
          .poll(() => page.locator('#progress').textContent(), POLL)
          .toContain('cancelled');

        worker = await startTestWorker(app.config, database.db, app.deps.logger);
        await page.goto(uploadUrl);
        await expect
          .poll(() => page.locator('#upload-progress').textContent(), { timeout: 60_000 })
          .toContain('all ended');
        const states = await page.locator('#upload-progress .state').allTextContents();
        expect(states).toEqual(['completed', 'completed', 'cancelled']);
        await expectAccessible(page, 'upload progress');
        await screenshot(page, 'upload-progress');

        // Sign out: the old cookie no longer opens anything.
        const [cookie] = (await context.cookies()).filter((c) => c.name === 'ocn_console');
        expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console' });
        await page.getByRole('button', { name: 'Sign out' }).click();
        await page.getByRole('heading', { name: 'Sign in' }).waitFor();
        const replay = await browser.newContext();
        try {
          if (cookie) await replay.addCookies([cookie]);
          const again = await replay.newPage();
          await again.goto(`${baseUrl}/console`);
          expect(new URL(again.url()).pathname).toBe('/console/sign-in');
        } finally {
          await replay.close();
        }
        expect(cspViolations).toEqual([]);
      }),
    240_000,
  );
});
