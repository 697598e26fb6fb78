import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import postgres from 'postgres';
import { beforeAll, describe, expect, it } from 'vitest';
import { toHttpProblem } from '../../src/api/http/error-handler.ts';
import { fetchedAnswer, validatorOf } from '../contract/checked-answers.ts';
import { type TestApp, useAppsDatabase } from '../support/app.ts';
import { createTenant, uniqueE164 } from '../support/factories.ts';
import { directDatabaseUrl, PG_POOLER_URL } from '../support/services.ts';
import { waitFor } from '../support/wait.ts';
import { holdTransaction } from '../support/worker-blocker.ts';

// Every error is problem+json: a database that cannot serve (connection, resources, operator
// intervention, read-only after a failover) is a 503 with Retry-After, never a 500; so is a
// request that reaches an instance while it shuts down. Also: Preference-Applied tells the wait
// actually applied. No worker runs here, so jobs stay queued and waits run to their bound.

const ENDPOINT = '/api/v3/oc/numbers/action/ready-for-removal';
const JOBS = '/api/v3/oc/numbers/jobs';
const t = useAppsDatabase();
const prefix = () => t.prefix('api-errors');
let api: TestApp;
let key: string;

beforeAll(async () => {
  api = await t.app(prefix(), { SYNC_WAIT_MS: '1000' });
  key = (await createTenant(t.db)).apiKey.key;
});

const submit = (app: TestApp, headers: Record<string, string> = {}) =>
  app.app.inject({
    method: 'POST',
    url: ENDPOINT,
    headers: { authorization: `Bearer ${key}`, ...headers },
    payload: { telephoneNumbers: [uniqueE164()] },
  });

function expectUnavailable(res: Awaited<ReturnType<typeof submit>>) {
  expect(res.statusCode).toBe(503);
  expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  expect(res.json()).toMatchObject({ status: 503, errorCode: 'SERVICE_UNAVAILABLE' });
  expect(res.body).not.toMatch(/postgres|sql|read-only|connection|cancel/i);
}

describe('Prefer: wait (RFC 7240)', () => {
  it('Preference-Applied echoes the wait applied, capped at SYNC_WAIT_MS', async () => {
    const res = await submit(api, { prefer: 'wait=5' });
    expect(res.statusCode).toBe(202);
    expect(res.headers['preference-applied']).toBe('wait=1');
  });

  it('the first wait wins', async () => {
    const started = Date.now();
    const res = await submit(api, { prefer: 'wait=0, wait=5' });
    expect(res.statusCode).toBe(202);
    expect(res.headers['preference-applied']).toBe('wait=0');
    expect(Date.now() - started).toBeLessThan(900);
  });
});

describe('Postgres cannot serve → 503 with Retry-After', () => {
  it('53300 too many connections, as postgres.js reports it', async () => {
    // Refused at connection time, so the pool of a running app never shows it on demand: the
    // real driver error goes through the real error mapping instead. Postgres' own refusal,
    // so straight to Postgres (a pooler in between answers with its own 08P01).
    const role = `ocn_limited_${randomBytes(4).toString('hex')}`;
    await t.sql.unsafe(`create role ${role} login connection limit 0`);
    const url = new URL(directDatabaseUrl(t.name));
    url.username = role;
    // postgres.js retries a 53300 refusal until connect_timeout (the service's pools: 5 s),
    // then rejects with it.
    const limited = postgres(url.toString(), { max: 1, connect_timeout: 1, onnotice: () => {} });
    try {
      const err = await limited`select 1`.catch((e: unknown) => e);
      expect((err as { code?: string }).code).toBe('53300');
      const problem = toHttpProblem(err);
      expect(problem).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
      expect(Number(problem.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await limited.end({ timeout: 1 });
      await t.sql.unsafe(`drop role ${role}`);
    }
  });

  it('57014 query cancelled by an operator', async () => {
    const { jobId } = (await submit(api, { prefer: 'respond-async' })).json();
    const release = await holdTransaction(
      t.sql,
      (tx) => tx`select 1 from jobs where id = ${jobId} for update`,
    );
    try {
      const cancel = api.app.inject({
        method: 'DELETE',
        url: `${JOBS}/${jobId}`,
        headers: { authorization: `Bearer ${key}` },
      });
      const pid = await waitFor('the cancel to wait on the job row lock', async () => {
        const [row] = await t.sql<{ pid: number }[]>`
          select pid from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'`;
        return row?.pid;
      });
      await t.sql`select pg_cancel_backend(${pid})`;
      expectUnavailable(await cancel);
    } finally {
      await release();
    }
  });

  // Staged with ALTER DATABASE, which only new server connections see: a pooler's server
  // connections opened before the change stay writable, so behind one this cannot be staged.
  it.skipIf(PG_POOLER_URL)(
    '25006 read-only transaction (a failover left us on a standby)',
    async () => {
      await t.sql.unsafe(`alter database ${t.name} set default_transaction_read_only = on`);
      // A fresh app: its connections start after the change.
      const readOnly = await t.app(prefix());
      try {
        expectUnavailable(await submit(readOnly, { prefer: 'respond-async' }));
      } finally {
        await readOnly.close();
        await t.sql.unsafe(`alter database ${t.name} reset default_transaction_read_only`);
      }
    },
  );
});

describe('shutting down', () => {
  it('a request that reaches a closing instance gets a 503 problem with Retry-After', async () => {
    const closing = await t.app(prefix(), {
      SYNC_WAIT_MS: '60000',
      HTTP_CONNECTION_TIMEOUT_MS: '0',
    });
    const [before] = await t.sql<{ n: number }[]>`select count(*)::int as n from jobs`;
    const waiting = submit(closing);
    await waitFor('the submit to wait for its job', async () => {
      const [row] = await t.sql<{ n: number }[]>`select count(*)::int as n from jobs`;
      return (row?.n ?? 0) > (before?.n ?? 0) ? true : undefined;
    });
    const closed = closing.close();
    // Shutdown releases the waiting request (202): from then on the instance is closing.
    expect((await waiting).statusCode).toBe(202);
    // A request that still reaches it, as one on a busy keep-alive connection would: through
    // the app's own request handler, on a socket of our own.
    const server = createServer(closing.app.routing);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/health/live`);
      validatorOf(closing.app).assert(await fetchedAnswer('GET', '/health/live', res));
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.headers.get('connection')).toBe('close');
      expect(await res.json()).toMatchObject({
        status: 503,
        errorCode: 'SERVICE_UNAVAILABLE',
        instance: '/health/live',
      });
    } finally {
      server.close();
      await closed;
    }
  });
});
