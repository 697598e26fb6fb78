import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { apiKeys } from '../../src/db/tables.ts';
import { useApiSuite } from '../support/app.ts';
import { createConsoleClient } from '../support/console-client.ts';
import { createApiKey, createTenant } from '../support/factories.ts';
import { waitFor } from '../support/wait.ts';

// The console's sign-in, session and page security, over inject: every hostile case
// the issue lists and a few more (forged, expired, replayed, fixed session ids).

const suite = useApiSuite(
  'console-session',
  { AUTH_FAILURE_LIMIT_MAX: '3', TRUST_PROXY: 'loopback' },
  { worker: false },
);
const console_ = () => createConsoleClient(suite.api.app);
const sessionKey = (id: string) => `${suite.api.config.queuePrefix}:console:session:${id}`;

describe('console sign-in', () => {
  it('sends a visitor without a session to the sign-in page, which has the strict headers and writes nothing to Redis', async () => {
    const c = console_();
    const home = await c.get('/console');
    expect(home.statusCode).toBe(303);
    expect(home.headers.location).toBe('/console/sign-in');
    const page = await c.get('/console/sign-in');
    expect(page.statusCode).toBe(200);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('same-origin');
    expect(page.headers['cache-control']).toBe('no-store');
    // The sign-in form's CSRF secret is a cookie of its own: no session, nothing in Redis.
    expect(page.cookies.map((k) => k.name)).toEqual(['ocn_console_signin']);
    expect(page.cookies[0]).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
      path: '/console/sign-in',
    });
    for (let i = 0; i < 5; i++) await console_().get('/console/sign-in');
    expect(await suite.api.deps.redis.keys(sessionKey('*'))).toEqual([]);

    const signedIn = await c.post('/console/sign-in', {
      apiKey: suite.tenant.apiKey.key,
      _csrf: c.csrf(),
    });
    const cookie = signedIn.cookies.find((k) => k.name === 'ocn_console');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console' });
    expect(cookie?.secure).toBeFalsy();
    await c.get('/console');
    await c.post('/console/sign-out', { _csrf: c.csrf() });
  });

  it('marks the cookie Secure when the request came over https (through a trusted proxy)', async () => {
    const c = console_();
    const https = { 'x-forwarded-proto': 'https' };
    const page = await c.get('/console/sign-in', https);
    expect(page.cookies[0]).toMatchObject({ secure: true, sameSite: 'Strict', httpOnly: true });
    const signedIn = await c.post(
      '/console/sign-in',
      { apiKey: suite.tenant.apiKey.key, _csrf: c.csrf() },
      https,
    );
    const cookie = signedIn.cookies.find((k) => k.name === 'ocn_console');
    expect(cookie).toMatchObject({ secure: true, sameSite: 'Strict', httpOnly: true });
  });

  it('signs in with an operator key under a new session id, and signs out for good', async () => {
    const c = console_();
    await c.get('/console/sign-in');
    const before = c.session;
    const signedIn = await c.post('/console/sign-in', {
      apiKey: suite.tenant.apiKey.key,
      _csrf: c.csrf(),
    });
    expect(signedIn.statusCode).toBe(303);
    expect(signedIn.headers.location).toBe('/console');
    expect(before).toBeUndefined(); // no session before sign-in: none to fix in advance
    expect(c.session).toBeDefined();
    const stored = await suite.api.deps.redis.get(sessionKey(c.session ?? ''));
    expect(stored).not.toContain(suite.tenant.apiKey.key); // the key is never kept
    expect((await c.get('/console')).statusCode).toBe(200);
    expect(c.html).toContain('Removal summary');

    const old = c.session;
    const out = await c.post('/console/sign-out', { _csrf: c.csrf() });
    expect(out.statusCode).toBe(303);
    expect(await suite.api.deps.redis.exists(sessionKey(old ?? ''))).toBe(0);
    c.session = old; // replaying the old cookie
    const replay = await c.get('/console');
    expect(replay.statusCode).toBe(303);
    expect(replay.headers.location).toBe('/console/sign-in');
  });

  it('answers a wrong key with a 401 page, spends the failure budget, then 429', async () => {
    const other = await createTenant(suite.t.db); // its own address budget is per client IP
    const c = console_();
    const headers = { 'x-forwarded-for': '203.0.113.7' };
    for (let i = 0; i < 3; i++) {
      await c.get('/console/sign-in', headers);
      const res = await c.post(
        '/console/sign-in',
        { apiKey: `ocn_${'x'.repeat(43)}`, _csrf: c.csrf() },
        headers,
      );
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.body).toMatch(/ET-[0-9A-F]{12}/);
      expect(res.body).not.toMatch(/at .*\.ts:\d+/); // no stack
    }
    await c.get('/console/sign-in', headers);
    const spent = await c.post('/console/sign-in', { apiKey: 'wrong', _csrf: c.csrf() }, headers);
    expect(spent.statusCode).toBe(429);
    expect(spent.headers['retry-after']).toBeDefined();
    // A valid key from the same address is still let in (the API's rule).
    await c.get('/console/sign-in', headers);
    const ok = await c.post(
      '/console/sign-in',
      { apiKey: other.apiKey.key, _csrf: c.csrf() },
      headers,
    );
    expect(ok.statusCode).toBe(303);
  });

  it('answers an admin key with a 403 page', async () => {
    const admin = await createApiKey(suite.t.db, suite.tenant.operator.id, { role: 'admin' });
    const res = await console_().signIn(admin.key);
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('Admin keys');
  });

  it('refuses a sign-in without a CSRF token or with another session’s token', async () => {
    const a = console_();
    await a.get('/console/sign-in');
    const missing = await a.post('/console/sign-in', { apiKey: suite.tenant.apiKey.key });
    expect(missing.statusCode).toBe(403);
    expect(missing.body).toContain('did not come from this console');
    const b = console_();
    await b.get('/console/sign-in');
    const foreign = await a.post('/console/sign-in', {
      apiKey: suite.tenant.apiKey.key,
      _csrf: b.csrf(),
    });
    expect(foreign.statusCode).toBe(403);
  });

  it('treats a forged session id as no session', async () => {
    const c = console_();
    c.session = randomBytes(32).toString('base64url');
    expect((await c.get('/console')).headers.location).toBe('/console/sign-in');
    c.session = '../../etc';
    expect((await c.get('/console')).headers.location).toBe('/console/sign-in');
  });

  it('ends a session after its idle time and after its absolute time', async () => {
    for (const field of ['lastSeenAt', 'signedInAt'] as const) {
      const c = console_();
      await c.signIn(suite.tenant.apiKey.key);
      const key = sessionKey(c.session ?? '');
      const stored = JSON.parse((await suite.api.deps.redis.get(key)) ?? '{}');
      stored[field] = Date.now() - 9 * 60 * 60 * 1000;
      await suite.api.deps.redis.set(key, JSON.stringify(stored));
      const res = await c.get('/console');
      expect(res.statusCode, field).toBe(303);
      expect(await suite.api.deps.redis.exists(key)).toBe(0);
    }
  });

  it('ends the sessions of a key once it is revoked', async () => {
    const key = await createApiKey(suite.t.db, suite.tenant.operator.id);
    const c = console_();
    await c.signIn(key.key);
    expect((await c.get('/console')).statusCode).toBe(200);
    await suite.t.db.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, key.id));
    // Within the key cache's lifetime (a few seconds), as for the API.
    await waitFor('the revoked key to end its session', async () =>
      (await c.get('/console')).statusCode === 303 ? true : undefined,
    );
    c.session = undefined;
    expect((await c.signIn(key.key)).statusCode).toBe(401);
  });

  it('keeps a signed-in session in Redis no longer than the idle time', async () => {
    const c = console_();
    await c.signIn(suite.tenant.apiKey.key);
    const ttl = await suite.api.deps.redis.pttl(sessionKey(c.session ?? ''));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(suite.api.config.console.sessionIdleMs);
  });
});
