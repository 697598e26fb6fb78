import { chromium } from 'playwright-core';

/** True once `url` answers 2xx (for waitFor). */
export async function answers(url: string): Promise<true | undefined> {
  const res = await fetch(url).catch(() => undefined);
  return res?.ok || undefined;
}

/**
 * A full-page screenshot of a Prometheus console page by Debian's Chromium (playwright-core
 * drives it; it downloads no browser), once every graph's query has answered.
 */
export async function photograph(
  url: string,
  output: string,
  log: (message: string) => void,
): Promise<void> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    page.on('pageerror', (err) => log(`page error: ${err.message}`));
    await page.goto(url);
    // A graph's loading spinner is replaced by the graph when its queries answered.
    await page.waitForFunction(
      'document.querySelectorAll(".prom_graph_loading").length === 0',
      undefined,
      { timeout: 60_000 },
    );
    await page.screenshot({ path: output, fullPage: true });
  } finally {
    await browser.close();
  }
}
