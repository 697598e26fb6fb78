import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, randomKey, useAppsDatabase } from '../support/app.ts';
import { createApiKey, createTenant } from '../support/factories.ts';
import { buildOpsHarness, type OpsHarness } from '../support/ops-harness.ts';

// Online guessing of the admin password (/metrics, Bull Board): only failures spend a client's
// budget; once it is spent the password is not checked at all unless its failure can be
// counted, or the browser logged in before (its device cookie). Admin keys (256 random bits)
// are always checked, so others' failures never lock them out.

const t = useAppsDatabase();

describe('admin surfaces', () => {
  let ops: OpsHarness;
  let adminKey: string;
  beforeAll(async () => {
    ops = await buildOpsHarness(t, t.prefix('guess-admin'), {
      BULL_BOARD_USER: 'ops',
      BULL_BOARD_PASSWORD: 'board-pass',
      AUTH_FAILURE_LIMIT_MAX: '3',
      RATE_LIMIT_WINDOW_MS: '600000',
    });
    const tenant = await createTenant(t.db);
    adminKey = (await createApiKey(t.db, tenant.operator.id, { role: 'admin' })).key;
  });
  afterAll(async () => ops?.close());

  const get = (authorization: string, ip: string) =>
    ops.app.inject({
      method: 'GET',
      url: '/metrics',
      remoteAddress: ip,
      headers: { authorization },
    });

  it('refuses a password once the budget is spent, without checking it; an admin key still gets in', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 4; i++)
      codes.push((await get(basic('ops', `guess-${i}`), '10.1.0.1')).statusCode);
    expect(codes).toEqual([401, 401, 401, 429]);
    const right = await get(basic('ops', 'board-pass'), '10.1.0.1');
    expect(right.statusCode).toBe(429);
    expect(right.json()).toMatchObject({ errorCode: 'RATE_LIMITED' });
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
    // An admin key (256 random bits) is always checked: others' failures never lock it out.
    expect((await get(`Bearer ${adminKey}`, '10.1.0.1')).statusCode).toBe(200);
    expect((await get(`Bearer ${randomKey()}`, '10.1.0.1')).statusCode).toBe(429);
    // Another client is not affected.
    expect((await get(basic('ops', 'board-pass'), '10.1.0.2')).statusCode).toBe(200);
  });

  it('checks the password of a browser that logged in before (device cookie), even while spent', async () => {
    const login = await get(basic('ops', 'board-pass'), '10.1.0.5');
    expect(login.statusCode).toBe(200);
    const setCookie = String(login.headers['set-cookie']);
    expect(setCookie).toMatch(
      /^ocn_admin_device=\d+\.[\w-]{43}; Max-Age=2592000; Path=\/; HttpOnly; SameSite=Strict$/,
    );
    const cookie = setCookie.split(';')[0] ?? '';
    for (let i = 0; i < 4; i++) await get(basic('ops', `guess-${i}`), '10.1.0.5');
    const withCookie = (authorization: string, value = cookie) =>
      ops.app.inject({
        method: 'GET',
        url: '/metrics',
        remoteAddress: '10.1.0.5',
        headers: { authorization, cookie: `theme=dark; ${value}` },
      });
    expect((await withCookie(basic('ops', 'board-pass'))).statusCode).toBe(200);
    // A wrong password is refused as without the cookie, and the cookie alone opens nothing.
    expect((await withCookie(basic('ops', 'nope'))).statusCode).toBe(429);
    expect((await get(basic('ops', 'board-pass'), '10.1.0.5')).statusCode).toBe(429);
    const [expires, signature = ''] = cookie.replace('ocn_admin_device=', '').split('.');
    const tampered = [
      `ocn_admin_device=${Number(expires) + 1}.${signature}`,
      `ocn_admin_device=${expires}.${signature.slice(0, -2)}AA`,
      `ocn_admin_device=1.${signature}`,
    ];
    for (const value of tampered) {
      expect((await withCookie(basic('ops', 'board-pass'), value)).statusCode).toBe(429);
    }
  });

  it('answers a request without credentials with the challenge, uncounted, even while spent', async () => {
    for (let i = 0; i < 4; i++) await get(basic('ops', `guess-${i}`), '10.1.0.6');
    const bare = await ops.app.inject({
      method: 'GET',
      url: '/metrics',
      remoteAddress: '10.1.0.6',
    });
    expect(bare.statusCode).toBe(401);
    expect(bare.headers['www-authenticate']).toBe(
      'Basic realm="oc-numbers-admin", charset="UTF-8"',
    );
    for (let i = 0; i < 5; i++) {
      const fresh = await ops.app.inject({
        method: 'GET',
        url: '/metrics',
        remoteAddress: '10.1.0.7',
      });
      expect(fresh.statusCode).toBe(401);
    }
    expect((await get(basic('ops', 'board-pass'), '10.1.0.7')).statusCode).toBe(200);
  });

  it('lets no more parallel guesses through than the budget', async () => {
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => get(basic('ops', `parallel-${i}`), '10.1.0.3')),
    );
    const codes = answers.map((a) => a.statusCode).sort();
    expect(codes).toEqual([...Array(3).fill(401), ...Array(9).fill(429)]);
  });

  it('does not spend the budget on successful logins', async () => {
    for (let i = 0; i < 6; i++) {
      expect((await get(basic('ops', 'board-pass'), '10.1.0.4')).statusCode).toBe(200);
      expect((await get(`Bearer ${adminKey}`, '10.1.0.4')).statusCode).toBe(200);
    }
    const wrong = await get(basic('ops', 'nope'), '10.1.0.4');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers.ratelimit).toMatch(/^"admin-auth-failures";r=2;t=\d+$/);
  });
});
