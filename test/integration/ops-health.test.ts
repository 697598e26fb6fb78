import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDb, createDb } from '../../src/db/client.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { buildOpsHarness, type OpsHarness } from '../support/ops-harness.ts';
import { deletePrefix, uniquePrefix } from '../support/redis.ts';
import { databaseUrl, PG_POOLER_URL } from '../support/services.ts';

describe('health endpoints', () => {
  let database: TestDatabase;
  const prefix = uniquePrefix('ops-health');
  let healthy: OpsHarness;

  beforeAll(async () => {
    database = await createTestDatabase();
    healthy = await buildOpsHarness(database, prefix);
  });
  afterAll(async () => {
    await healthy?.close();
    await database?.drop();
    await deletePrefix(prefix);
  });

  it('answers live without credentials', async () => {
    const res = await healthy.app.inject({ method: 'GET', url: '/health/live' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('is ready when Postgres and Redis answer', async () => {
    const res = await healthy.app.inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', checks: { postgres: 'up', redis: 'up' } });
  });

  it('goes 503 naming Redis when Redis is unreachable', async () => {
    // Port 1 refuses connections: the fail-fast client errors at once.
    const harness = await buildOpsHarness(
      database,
      prefix,
      {},
      { redisUrl: 'redis://127.0.0.1:1' },
    );
    try {
      const res = await harness.app.inject({ method: 'GET', url: '/health/ready' });
      expect(res.statusCode).toBe(503);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.headers['retry-after']).toBe('5');
      const body = res.json();
      expect(body).toMatchObject({
        status: 503,
        errorCode: 'SERVICE_UNAVAILABLE',
        detail: 'Not ready: redis unreachable',
        checks: { postgres: 'up', redis: 'down' },
      });
      expect(body.errorTicket).toMatch(/^ET-/);
      // Liveness does not depend on the stores.
      expect((await harness.app.inject({ url: '/health/live' })).statusCode).toBe(200);
    } finally {
      await harness.close();
    }
  });

  /** `/health/ready` of an app whose Postgres pool (one connection) connects to `url`. */
  async function readinessOver(url: string) {
    const db = createDb(url, { poolMax: 1 });
    const harness = await buildOpsHarness({ ...database, db, sql: db.$client }, prefix);
    try {
      return await harness.app.inject({ method: 'GET', url: '/health/ready' });
    } finally {
      await harness.close();
      await closeDb(db);
    }
  }

  it('goes 503 naming Postgres when Postgres is unreachable', async () => {
    const res = await readinessOver(databaseUrl('ocn_t_does_not_exist'));
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({
      detail: 'Not ready: postgres unreachable',
      checks: { postgres: 'down', redis: 'up' },
    });
  });

  // Staged with ALTER DATABASE, which only new server connections see (none behind a pooler).
  it.skipIf(PG_POOLER_URL)('goes 503 naming Postgres when it takes no writes', async () => {
    await database.sql.unsafe(
      `alter database ${database.name} set default_transaction_read_only = on`,
    );
    try {
      const res = await readinessOver(database.url);
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.json()).toMatchObject({
        detail: 'Not ready: postgres read-only',
        checks: { postgres: 'read-only', redis: 'up' },
      });
    } finally {
      await database.sql.unsafe(
        `alter database ${database.name} reset default_transaction_read_only`,
      );
    }
  });
});
