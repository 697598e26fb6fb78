import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { type Tenant, type TestApp, useAppsDatabase } from '../support/app.ts';
import { testConfig } from '../support/config.ts';
import { createConsoleClient } from '../support/console-client.ts';
import { createMarkedNumbers, createTenant } from '../support/factories.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { waitFor } from '../support/wait.ts';

// The console's refusals and failures as pages, through the real parts: the API's read and
// action budgets in Redis spent (429), Postgres cut off behind a TCP proxy (503) and a real
// database error (500). Each page names its error ticket, which the log line carries too, and
// shows no stack, SQL or driver text.

type LogLine = Record<string, unknown> & { msg?: string };

const database = useAppsDatabase();
const prefix = database.prefix('console-errors');
const raw: string[] = [];
const lines = () => raw.map((l) => JSON.parse(l) as LogLine);
let proxy: TcpProxy;
let api: TestApp;

beforeAll(async () => {
  // The service reaches Postgres (or its pooler) only through the proxy.
  const direct = new URL(database.url);
  proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  const proxied = new URL(database.url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  const config = testConfig(proxied.toString(), prefix, {
    LOG_LEVEL: 'info',
    READ_RATE_LIMIT_OPERATOR_MAX: '4',
    RATE_LIMIT_OPERATOR_MAX: '1',
  });
  const logger = createLogger(config, 'oc-numbers', { write: (line: string) => raw.push(line) });
  api = await database.appWithConfig(config, { logger });
});
afterAll(async () => {
  await api?.close(); // before its database proxy goes; the database after the file
  await proxy?.close();
});

/** A console user of a fresh operator (its own budgets), signed in. */
async function signedIn(): Promise<{ c: ReturnType<typeof createConsoleClient>; t: Tenant }> {
  const t = await createTenant(database.db);
  const c = createConsoleClient(api.app);
  expect((await c.signIn(t.apiKey.key)).statusCode).toBe(303);
  return { c, t };
}

/** The page is an error page with a ticket the log has too, and nothing internal. */
function expectErrorPage(
  res: { statusCode: number; body: string; headers: object },
  status: number,
) {
  expect(res.statusCode).toBe(status);
  expect(String((res.headers as Record<string, unknown>)['content-type'])).toContain('text/html');
  const ticket = /class="ticket">(ET-[0-9A-F]{12})</.exec(res.body)?.[1];
  expect(ticket, res.body).toBeDefined();
  const logged = lines().filter((l) => l.errorTicket === ticket);
  expect(logged).toHaveLength(1);
  expect(logged[0]?.status).toBe(status);
  expect(res.body).not.toMatch(/\bat [\w.<>]+ \(|node:|\.ts:\d+|Error:/);
  expect(res.body).not.toMatch(/postgres|sql|relation|ECONN|number_counts|telephone_numbers/i);
  return { ticket: ticket as string, logged: logged[0] as LogLine };
}

describe('console error pages', () => {
  it("shows a 429 page once the operator's read budget is spent", async () => {
    const { c } = await signedIn();
    const answers: number[] = [];
    for (let i = 0; i < 4; i++) answers.push((await c.get('/console')).statusCode);
    expect(answers).toEqual([200, 200, 200, 200]);
    const refused = await c.get('/console/numbers');
    expectErrorPage(refused, 429);
    expect(refused.body).toContain('Too many requests');
    expect(refused.body).toContain('read budget is spent');
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.body).toContain(`Try again in ${retryAfter} seconds`);
    expect(String(refused.headers['ratelimit-policy'])).toContain('"reads"');
    // Signed in still: the way on is the overview, not the sign-in page.
    expect(refused.body).toContain('href="/console"');
    expect(refused.body).not.toContain('href="/console/sign-in"');
  });

  it("shows a 429 page for a preview past the operator's action budget, and runs nothing", async () => {
    const { c, t } = await signedIn();
    const numbers = await createMarkedNumbers(database.db, t, 2);
    await c.get('/console/numbers');
    const form = { operation: 'ready-for-removal', numbers };
    expect(
      (await c.post('/console/numbers/preview', { ...form, _csrf: c.csrf() })).statusCode,
    ).toBe(200);
    const refused = await c.post('/console/numbers/preview', { ...form, _csrf: c.csrf() });
    expectErrorPage(refused, 429);
    expect(refused.body).toContain('share of the endpoint budget is spent');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(String(refused.headers['ratelimit-policy'])).toContain('"operator"');
  });

  it('shows a 503 page while Postgres cannot be reached, and serves again once it can', async () => {
    const { c } = await signedIn();
    expect((await c.get('/console')).statusCode).toBe(200);
    proxy.cutOff();
    try {
      const down = await c.get('/console');
      const { logged } = expectErrorPage(down, 503);
      expect(down.body).toContain('Unavailable');
      expect(Number(down.headers['retry-after'])).toBeGreaterThan(0);
      // The cause is in the log line, with the ticket.
      expect(JSON.stringify(logged.err)).toMatch(/ECONNRESET|CONNECTION|connect/i);
    } finally {
      proxy.restore();
    }
    // The pool retries with a backoff: once the service reports Postgres back, pages serve.
    await waitFor('the service to reach Postgres again', async () =>
      (await api.app.inject({ url: '/health/ready' })).statusCode === 200 ? true : undefined,
    );
    expect((await c.get('/console')).statusCode).toBe(200);
  });

  it('shows a 500 page for a database error that is no outage (a table gone)', async () => {
    const { c } = await signedIn();
    await database.sql`alter table number_counts rename to number_counts_away`;
    try {
      const failed = await c.get('/console');
      const { logged } = expectErrorPage(failed, 500);
      expect(failed.body).toContain('Something went wrong');
      expect(failed.body).toContain('An unexpected error occurred');
      expect(JSON.stringify(logged.err)).toContain('number_counts');
    } finally {
      await database.sql`alter table number_counts_away rename to number_counts`;
    }
    expect((await c.get('/console')).statusCode).toBe(200);
  });
});
