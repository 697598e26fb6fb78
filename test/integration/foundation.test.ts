import { readdirSync } from 'node:fs';
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER, prepareDatabase } from '../../src/db/migrate.ts';
import { telephoneNumbers } from '../../src/db/tables.ts';
import { useTestDatabase } from '../support/database.ts';
import {
  createCustomer,
  createNumbers,
  createOperator,
  createTenant,
} from '../support/factories.ts';

const t = useTestDatabase();

describe('data model', () => {
  it('migrating an already migrated database changes nothing', async () => {
    await prepareDatabase(t.url);
    await prepareDatabase(t.url);
    const rows = await t.db.execute<{ n: number }>(
      sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
    );
    const migrations = readdirSync(MIGRATIONS_FOLDER).filter((f) => f.endsWith('.sql'));
    expect(rows[0]?.n).toBe(migrations.length);
  });

  it('keeps E.164 numbers unique', async () => {
    const { operator, customer } = await createTenant(t.db);
    const [e164] = await createNumbers(t.db, {
      operatorId: operator.id,
      customerId: customer.id,
      status: 'Active',
    });
    await expect(
      createNumbers(t.db, {
        operatorId: operator.id,
        customerId: null,
        status: 'Active',
        e164s: [e164 as string],
      }),
    ).rejects.toThrow();
  });

  it('refuses a number whose customer belongs to another operator', async () => {
    const a = await createOperator(t.db);
    const b = await createOperator(t.db);
    const customerOfB = await createCustomer(t.db, b.id);
    await expect(
      createNumbers(t.db, {
        operatorId: a.id,
        customerId: customerOfB.id,
        status: 'MarkedForRemoval',
      }),
    ).rejects.toThrow();
    const own = await createNumbers(t.db, {
      operatorId: b.id,
      customerId: customerOfB.id,
      status: 'MarkedForRemoval',
    });
    const [row] = await t.db
      .select()
      .from(telephoneNumbers)
      .where(eq(telephoneNumbers.e164, own[0] as string));
    expect(row).toMatchObject({
      status: 'MarkedForRemoval',
      assignable: true,
      confirmedForRemovalAt: null,
    });
  });
});
