import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDb, createDb, txSql } from '../../src/db/client.ts';
import { useTestDatabase } from '../support/database.ts';
import { missingBinaries } from '../support/topology/daemons.ts';
import { type PgBouncer, startPgBouncer } from '../support/topology/pgbouncer.ts';

// The service's pools behind PgBouncer 1.18 in transaction mode with only two server
// connections, as `DATABASE_PREPARE=false` runs them. Two ways postgres.js 4 hung there with
// its defaults: reading the database's types on a second connection while every server
// connection was held by a transaction waiting for it (`fetch_types: false` in createDb), and
// statements pipelined on a shared connection outside a transaction (`max_pipeline: 1`).

const skipReason = missingBinaries('pgbouncer');
if (skipReason) console.warn(`topology test skipped: ${skipReason}`);
const t = useTestDatabase();
let bouncer: PgBouncer | undefined;
beforeAll(async () => {
  if (!skipReason) bouncer = await startPgBouncer({ poolSize: 2 });
});
afterAll(() => bouncer?.stop());

function pooledUrl(): string {
  const url = new URL((bouncer as PgBouncer).url);
  url.pathname = `/${t.name}`;
  return url.toString();
}

/** The promise's value, or 'hung' once `ms` have passed without one. */
async function within<T>(ms: number, promise: Promise<T>): Promise<T | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

describe.skipIf(skipReason)(
  'the pools behind PgBouncer in transaction mode (2 server connections)',
  () => {
    it('serve transactions holding every server connection that meet an enum array', async () => {
      const db = createDb(pooledUrl(), { poolMax: 4, prepare: false });
      try {
        const inside = [Promise.withResolvers<void>(), Promise.withResolvers<void>()];
        const both = Promise.all(inside.map(({ promise }) => promise));
        const transactions = inside.map(({ resolve }) =>
          db.transaction(async (tx) => {
            const q = txSql(tx);
            await q`select 1`;
            resolve();
            await both;
            const [row] = await q<{ n: number }[]>`
            select cardinality(${['Active', 'MarkedForRemoval']}::number_status[]) as n`;
            return row?.n;
          }),
        );
        expect(await within(10_000, Promise.all(transactions))).toEqual([2, 2]);
      } finally {
        await closeDb(db);
      }
    });

    it('serve more statements at once than connections, outside a transaction', async () => {
      await t.sql`create table probe_concurrent (note text)`;
      const db = createDb(pooledUrl(), { poolMax: 2, prepare: false });
      try {
        const inserts = Array.from({ length: 20 }, (_, i) =>
          db.execute(sql`insert into probe_concurrent values (${`statement ${i}`})`),
        );
        expect(
          await within(
            10_000,
            Promise.all(inserts).then(() => 'answered'),
          ),
        ).toBe('answered');
        expect(await t.sql`select count(*)::int as n from probe_concurrent`).toEqual([{ n: 20 }]);
      } finally {
        await closeDb(db);
      }
    });
  },
);
