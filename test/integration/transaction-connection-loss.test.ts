import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { closeDb, createDb } from '../../src/db/client.ts';
import { isTransientDbError } from '../../src/db/error-classes.ts';
import { useTestDatabase } from '../support/database.ts';

// When a transaction's connection dies (pg_terminate_backend, a failover) while its callback
// awaits something else (Redis, a timer), the transaction has ended: `db.transaction` rejects,
// and nothing the callback does afterwards may reach the database. postgres.js 3 let the
// callback go on using the connection object, which the pool had meanwhile reconnected and
// handed to another caller: the callback's statements ran inside that caller's transaction,
// and its COMMIT committed it (upstream porsager/postgres#1216).

const t = useTestDatabase();
const POOL = 3;

beforeAll(async () => {
  await t.sql`create table probe_late (note text)`;
  await t.sql`create table probe_other (caller int)`;
});

describe('a transaction whose connection died', () => {
  it('runs none of its later statements, alone or inside another caller’s transaction', async () => {
    const db = createDb(t.url, { poolMax: POOL, applicationName: 'ocn-connection-loss' });
    try {
      const started = Promise.withResolvers<number>();
      const resume = Promise.withResolvers<void>();
      const callbackDone = Promise.withResolvers<unknown>();
      const killed = db
        .transaction(async (tx) => {
          try {
            const [row] = await tx.execute<{ pid: number }>(sql`select pg_backend_pid() as pid`);
            started.resolve(row?.pid as number);
            await resume.promise; // any await of something other than this transaction
            await tx.execute(sql`insert into probe_late values ('after the connection died')`);
            callbackDone.resolve('the late insert ran');
          } catch (err) {
            callbackDone.resolve(err);
            throw err;
          }
        })
        .then(
          () => 'committed',
          (err: unknown) => err,
        );
      await t.sql`select pg_terminate_backend(${await started.promise})`;
      expect(isTransientDbError(await killed)).toBe(true);

      // Other callers take every connection of the pool (the dead one reconnected among them)
      // for transactions of their own, which they then roll back.
      const inside = Array.from({ length: POOL }, () => Promise.withResolvers<void>());
      const rollBack = Promise.withResolvers<void>();
      const others = inside.map(({ resolve }, caller) =>
        db.transaction(async (tx) => {
          await tx.execute(sql`insert into probe_other values (${caller})`);
          resolve();
          await rollBack.promise;
          tx.rollback();
        }),
      );
      await Promise.all(inside.map(({ promise }) => promise));

      resume.resolve();
      const late = await callbackDone.promise;
      rollBack.resolve();
      await Promise.allSettled(others);

      expect({
        late: late === 'the late insert ran' ? late : 'refused',
        committedLate: await t.sql`select note from probe_late`,
        committedOther: await t.sql`select caller from probe_other`,
      }).toEqual({ late: 'refused', committedLate: [], committedOther: [] });
    } finally {
      await closeDb(db);
    }
  });
});
