import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../support/app.ts';
import { expectAccessible, POLL, screenshot, tabTo, useConsoleServer } from '../support/browser.ts';
import {
  createApiKey,
  createCustomer,
  createMarkedJob,
  createMarkedNumbers,
  createNumbers,
  createTenant,
} from '../support/factories.ts';

// The console's refusals in Chromium: a wrong key, an admin key, another operator's
// job, a POST without its CSRF token; the keyboard-only path through sign-in and confirm; and
// every read with JavaScript off.

describe('the operator console refuses what it must, in headless Chromium', () => {
  const suite = useConsoleServer('console-sec', { worker: true });
  let tenant: Tenant;
  let foreignJobId: string;

  beforeAll(async () => {
    if (!suite.server) return;
    const { database } = suite.server;
    tenant = await createTenant(database.db);
    await createMarkedNumbers(database.db, tenant, 3);
    // Past one page (50) of the whole inventory, all sorted after the marked ones (+1207…).
    await createNumbers(database.db, {
      operatorId: tenant.operator.id,
      customerId: (await createCustomer(database.db, tenant.operator.id)).id,
      status: 'Active',
      e164s: Array.from({ length: 60 }, (_, i) => `+1207555${String(i).padStart(4, '0')}`),
    });
    foreignJobId = (await createMarkedJob(database.db, await createTenant(database.db), 1)).job.id;
  });

  const signIn = async (page: Page, key: string) => {
    await page.goto('/console/sign-in');
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };

  it('shows a 401 page for a wrong key and a 403 page for an admin key', (ctx) =>
    suite.onPage(ctx, {}, async ({ page, cspViolations, server }) => {
      const wrong = page.waitForResponse(
        (r) => r.url().endsWith('/console/sign-in') && r.request().method() === 'POST',
      );
      await signIn(page, 'ocn_not-a-key');
      expect((await wrong).status()).toBe(401);
      await page.getByRole('heading', { name: 'Not signed in' }).waitFor();
      expect(await page.locator('.ticket').textContent()).toMatch(/^ET-[0-9A-F]{12}$/);
      await expectAccessible(page, '401 page');
      await screenshot(page, 'error-401');

      const admin = await createApiKey(server.database.db, tenant.operator.id, { role: 'admin' });
      const refused = page.waitForResponse(
        (r) => r.url().endsWith('/console/sign-in') && r.request().method() === 'POST',
      );
      await signIn(page, admin.key);
      expect((await refused).status()).toBe(403);
      await page.getByRole('heading', { name: 'Not allowed' }).waitFor();
      expect(cspViolations).toEqual([]);
    }));

  it("shows a 404 page for another operator's job and refuses a POST without its CSRF token", (ctx) =>
    suite.onPage(ctx, {}, async ({ page, context }) => {
      await signIn(page, tenant.apiKey.key);
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      const res = await page.goto(`/console/jobs/${foreignJobId}`);
      expect(res?.status()).toBe(404);
      await page.getByText('There is no such job').waitFor();
      await expectAccessible(page, '404 page');
      await screenshot(page, 'error-404');

      // The browser's own cookie, without the page's token: 403, and nothing was cancelled.
      const forged = await context.request.post(`/console/jobs/${foreignJobId}/cancel`, {
        form: { reason: 'forged' },
        maxRedirects: 0,
      });
      expect(forged.status()).toBe(403);
      const noToken = await context.request.post('/console/sign-out', {
        maxRedirects: 0,
      });
      expect(noToken.status()).toBe(403);
      await page.goto('/console');
      await page.getByRole('heading', { name: 'Overview' }).waitFor(); // still signed in
    }));

  it(
    'signs in and confirms with the keyboard alone',
    (ctx) =>
      suite.onPage(ctx, {}, async ({ page, cspViolations }) => {
        await page.goto('/console/sign-in');
        // The key field has the focus on arrival. Chromium applies `autofocus` when it next
        // renders, which on a loaded machine can come after the load event `goto` waits for:
        // keys typed before it are lost, so wait for the focus (never arriving fails the test).
        await page.waitForFunction('document.activeElement?.id === "apiKey"');
        await page.keyboard.type(tenant.apiKey.key);
        await page.keyboard.press('Enter');
        await page.getByRole('heading', { name: 'Overview' }).waitFor();
        // The per-customer link leads to that customer's MarkedForRemoval numbers.
        await tabTo(page, new RegExp(tenant.customer.msTenantId));
        await page.keyboard.press('Enter');
        await page.getByRole('heading', { name: 'Numbers' }).waitFor();
        await tabTo(page, /Preview all 3 on this page/);
        await page.keyboard.press('Enter');
        await page.getByRole('heading', { name: /Preview/ }).waitFor();
        await tabTo(page, /Confirm/);
        await page.keyboard.press('Enter');
        await expect
          .poll(() => page.locator('#progress').textContent(), POLL)
          .toContain('completed');
        expect(await page.locator('#progress').textContent()).toContain('3 succeeded');
        expect(cspViolations).toEqual([]);
      }),
    90_000,
  );

  it(
    'serves every read with JavaScript off',
    (ctx) =>
      suite.onPage(ctx, { javaScriptEnabled: false }, async ({ page }) => {
        await signIn(page, tenant.apiKey.key);
        await page.getByRole('heading', { name: 'Overview' }).waitFor();
        await page.getByRole('link', { name: 'Numbers', exact: true }).click();
        await page.getByRole('heading', { name: 'Numbers' }).waitFor();
        // Pages follow the API's cursor, as plain links.
        expect(await page.locator('#count').textContent()).toBe('63 numbers, page 1 of 2.');
        await page.getByRole('link', { name: 'Next page' }).click();
        await page.getByText('63 numbers, page 2 of 2.').waitFor();
        expect(new URL(page.url()).searchParams.get('cursor')).toBeTruthy();
        expect(await page.locator('tbody tr').count()).toBe(13);
        await page.getByRole('link', { name: 'First page' }).click();
        await page.getByText('63 numbers, page 1 of 2.').waitFor();
        const number = page.locator('tbody a').first();
        const e164 = (await number.textContent()) ?? '';
        await number.click();
        await page.getByRole('heading', { name: `Number ${e164}` }).waitFor();
        // The job of its history: the keyboard test above confirmed the first page's marked
        // numbers (tests in a file run in order), so this fails with it if that one failed.
        await page.locator('tbody a').first().click();
        await page.getByRole('heading', { name: /^Job/ }).waitFor();
        await page.getByRole('link', { name: 'Upload' }).click();
        await page.getByRole('heading', { name: 'Upload numbers' }).waitFor();
      }),
    60_000,
  );
});
