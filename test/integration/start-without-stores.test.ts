import { describe, expect, it } from 'vitest';
import { freePort } from '../support/listening.ts';
import { type ServiceKind, spawnService } from '../support/processes.ts';
import { directDatabaseUrl, REDIS_URL } from '../support/services.ts';

// A newcomer's first `npm start` on a machine without Postgres or Redis: one message on stderr
// that names the missing store, its URL (password masked) and setting, and how to get it.

async function startFailure(kind: ServiceKind, env: Record<string, string>) {
  const service = await spawnService(kind, env);
  let stderr = '';
  service.child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exitCode = await Promise.race([
    service.exited,
    new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`${kind} still running:\n${service.lines.join('\n')}`)),
        90_000, // a start on a busy machine can take tens of seconds
      ),
    ),
  ]).finally(() => service.stop());
  return { exitCode, stderr, stdout: service.lines.filter((l) => !stderr.includes(l)) };
}

const closedPostgres = async () =>
  `postgres://postgres:s3cret-pw@127.0.0.1:${await freePort()}/oc_numbers`;
const closedRedis = async () => `redis://:other-pw@127.0.0.1:${await freePort()}`;
// Reachable: the tests' own server; a database that does not exist yet counts as reachable.
// A newcomer's local Postgres, reached directly: behind a pooler the database must exist
// before anything starts (migrations are their own step there), so "created at start" is moot.
const livePostgres = directDatabaseUrl('ocn_never_created');

describe('starting without Postgres or Redis', () => {
  it('npm start names both stores, their settings and the compose command, then exits 1', async () => {
    const pg = await closedPostgres();
    const redis = await closedRedis();
    const { exitCode, stderr } = await startFailure('main', { DATABASE_URL: pg, REDIS_URL: redis });

    expect(exitCode).toBe(1);
    const port = (url: string) => new URL(url).port;
    expect(stderr).toContain('oc-numbers cannot start');
    expect(stderr).toContain(
      `PostgreSQL is not reachable at postgres://postgres:***@127.0.0.1:${port(pg)}/oc_numbers (set by DATABASE_URL)`,
    );
    expect(stderr).toContain(
      `Redis is not reachable at redis://:***@127.0.0.1:${port(redis)} (set by REDIS_URL)`,
    );
    expect(stderr).toContain('docker compose up -d postgres redis');
    expect(stderr).not.toMatch(/s3cret-pw|other-pw/);
    expect(stderr).not.toMatch(/^\s+at /m); // no stack trace
  }, 120_000);

  it('a worker with Postgres up and Redis down names Redis only', async () => {
    const { exitCode, stderr } = await startFailure('worker', {
      DATABASE_URL: livePostgres,
      REDIS_URL: await closedRedis(),
    });

    expect(exitCode).toBe(1);
    expect(stderr).toContain('oc-numbers-worker cannot start');
    expect(stderr).toContain('(set by REDIS_URL)');
    expect(stderr).toContain('docker compose up -d redis');
    expect(stderr).not.toContain('PostgreSQL');
    expect(stderr).not.toMatch(/^\s+at /m);
  }, 120_000);

  it('the API with Redis up and Postgres down names Postgres only', async () => {
    const { exitCode, stderr } = await startFailure('api', {
      DATABASE_URL: await closedPostgres(),
      REDIS_URL,
    });

    expect(exitCode).toBe(1);
    expect(stderr).toContain('oc-numbers-api cannot start');
    expect(stderr).toContain('(set by DATABASE_URL)');
    expect(stderr).toContain('docker compose up -d postgres ');
    expect(stderr).not.toContain('Redis is');
  }, 120_000);
});
