import { existsSync, mkdirSync } from 'node:fs';
import { AxeBuilder } from '@axe-core/playwright';
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Page,
} from 'playwright-core';
import { afterAll, beforeAll, expect, type TestContext } from 'vitest';
import { openAppsDatabase, type TestApp } from './app.ts';
import type { TestDatabase } from './database.ts';

// What the console's browser tests share: Debian's Chromium driven by playwright-core (as the
// Bull Board test does), a closed network, CSP violations caught, axe-core on every page and
// the screenshots docs/console.md shows.

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);
export const SKIP_REASON = `no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run installs it)`;

/** Generous for a loaded 2-core machine: the page's own polling answers within a second or two. */
export const POLL = { timeout: 30_000 };
/** Chromium's flags for every page test (the Bull Board one too); without the background-
 * networking ones it keeps calling home on a closed network. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
// A test run writes its screenshots under test-output/ (ignored); `OCN_DOCS_SCREENSHOTS=1` writes
// them into docs/images/ for docs/console.md, so an ordinary run leaves the checkout clean.
const SCREENSHOTS = process.env.OCN_DOCS_SCREENSHOTS === '1' ? 'docs/images' : 'test-output';

export const launchChromium = (): Promise<Browser> =>
  chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });

export interface ConsoleServer {
  database: TestDatabase;
  app: TestApp;
  baseUrl: string;
  browser: Browser;
  close(): Promise<void>;
}

/**
 * A console test file's server and browser: its own database and queue prefix, the app
 * listening on a port (with an in-process worker if `worker`), and Chromium.
 */
export async function startConsoleServer(
  label: string,
  options: { worker: boolean },
): Promise<ConsoleServer> {
  const database = await openAppsDatabase();
  const app = await database.app(database.prefix(label), {}, options);
  const close = async (browser?: Browser) => {
    await browser?.close();
    await database.close(); // the app, the database and its queue prefix
  };
  try {
    const baseUrl = await app.listen();
    const browser = await launchChromium();
    return { database, app, baseUrl, browser, close: () => close(browser) };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * A console test file's server and browser (`startConsoleServer`), started before its tests
 * and closed after them. Without Chromium nothing starts and every test skips, saying why.
 */
export function useConsoleServer(label: string, options: { worker: boolean }) {
  if (!HAS_CHROMIUM) console.warn(`console browser test skipped: ${SKIP_REASON}`);
  let server: ConsoleServer | undefined;
  beforeAll(async () => {
    if (HAS_CHROMIUM) server = await startConsoleServer(label, options);
  });
  afterAll(async () => server?.close());
  return {
    /** Undefined only without Chromium. */
    get server() {
      return server;
    },
    /**
     * Runs `test` on a page of a new browser context (`openPage`), closed after it. Paths
     * (`page.goto('/console')`) are relative to the server.
     */
    async onPage(
      ctx: TestContext,
      contextOptions: BrowserContextOptions,
      test: (on: ConsolePage & { context: BrowserContext; server: ConsoleServer }) => Promise<void>,
    ): Promise<void> {
      if (!server) return ctx.skip(SKIP_REASON);
      const context = await server.browser.newContext({
        ...contextOptions,
        baseURL: server.baseUrl,
      });
      try {
        await test({ ...(await openPage(context, server.baseUrl)), context, server });
      } finally {
        await context.close();
      }
    },
  };
}

export interface ConsolePage {
  page: Page;
  /** Every "Refused to …" the browser logged: a CSP violation (htmx or a page broke the policy). */
  cspViolations: string[];
}

/** A page in `context` that reaches only `baseUrl` and records CSP violations. */
export async function openPage(context: BrowserContext, baseUrl: string): Promise<ConsolePage> {
  const page = await context.newPage();
  // Generous for a loaded 2-core machine.
  page.setDefaultTimeout(20_000);
  await page.route('**/*', (route) =>
    new URL(route.request().url()).host === new URL(baseUrl).host
      ? route.continue()
      : route.abort(),
  );
  const cspViolations: string[] = [];
  page.on('console', (message) => {
    if (/Refused to|Content Security Policy/i.test(message.text()))
      cspViolations.push(message.text());
  });
  return { page, cspViolations };
}

/** axe-core on the page as it is: no serious or critical violation. */
export async function expectAccessible(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
  expect(bad, `${what}: axe violations`).toEqual([]);
}

export async function screenshot(page: Page, name: string) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}/console-${name}.png`, fullPage: true });
}

/** Presses Tab until the focused element's text matches, then returns; fails after `max`. */
export async function tabTo(page: Page, text: RegExp, max = 80) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    // Runs in the page: the focused element's text, label and name.
    const focused = await page.evaluate(
      '((el) => [el?.textContent, el?.getAttribute("aria-label"), el?.name].join(" "))(document.activeElement)',
    );
    if (typeof focused !== 'string') throw new Error('no focused element text');
    if (text.test(focused)) return;
  }
  throw new Error(`Tab never reached ${text}`);
}
