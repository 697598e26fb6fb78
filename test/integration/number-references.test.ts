import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dbErrorClass, isTransientDbError } from '../../src/db/error-classes.ts';
import { errorCode } from '../../src/errors.ts';
import { useTestDatabase } from '../support/database.ts';
import {
  createCustomer,
  createNumbers,
  createOperator,
  createTenant,
  numberIdOf,
  uniqueE164,
} from '../support/factories.ts';
import { onTwoConnections, waitForLockWait } from '../support/lock-waits.ts';

// The inventory's three references are kept by triggers, once per statement, not by foreign
// keys (migration 0010, docs/architecture.md "Integrity"). Each is tried both ways a foreign key
// stops: a row naming nothing, and a delete (or key update, or truncate) of a row that is named.
// The errors are the foreign keys' own: SQLSTATE 23503 and the constraint's name.

const t = useTestDatabase();

const OPERATOR_FK = 'telephone_numbers_operator_id_operators_id_fk';
const CUSTOMER_FK = 'telephone_numbers_customer_fk';
const HISTORY_FK = 'number_status_history_number_id_telephone_numbers_id_fk';
const violation = (constraint: string) => ({ code: '23503', constraint_name: constraint });

/** A number of a customer, with a history row; the operator has nothing else (no key). */
async function numberWithHistory(options: { customer?: boolean } = {}) {
  const operator = await createOperator(t.db);
  const customer = await createCustomer(t.db, operator.id);
  const [e164] = await createNumbers(t.db, {
    operatorId: operator.id,
    customerId: options.customer === false ? null : customer.id,
    status: 'Active',
  });
  const id = await numberIdOf(t.db, e164 as string);
  await t.sql`
    insert into number_status_history (number_id, from_status, to_status, actor)
    values (${id}, null, 'Active', 'import')`;
  return { operator, customer, e164: e164 as string, id };
}

describe('inventory references', () => {
  it('refuses a number naming an operator that does not exist', async () => {
    await expect(t.sql`
      insert into telephone_numbers (e164, operator_id, status)
      values (${uniqueE164()}, ${randomUUID()}, 'Active')`).rejects.toMatchObject(
      violation(OPERATOR_FK),
    );
    const { e164 } = await numberWithHistory();
    await expect(
      t.sql`update telephone_numbers set operator_id = ${randomUUID()} where e164 = ${e164}`,
    ).rejects.toMatchObject(violation(OPERATOR_FK));
  });

  it("refuses a number naming a customer that does not exist or is another operator's", async () => {
    const { operator } = await createTenant(t.db);
    const other = await createTenant(t.db);
    for (const customerId of [randomUUID(), other.customer.id]) {
      await expect(t.sql`
        insert into telephone_numbers (e164, operator_id, customer_id, status)
        values (${uniqueE164()}, ${operator.id}, ${customerId}, 'Active')`).rejects.toMatchObject(
        violation(CUSTOMER_FK),
      );
    }
    // One bad row among many fails the whole statement.
    const mine = await createCustomer(t.db, operator.id);
    await expect(t.sql`
      insert into telephone_numbers (e164, operator_id, customer_id, status)
      select e, ${operator.id}, case when i = 500 then ${other.customer.id}::uuid else ${mine.id}::uuid end, 'Active'
      from unnest(${Array.from({ length: 1000 }, uniqueE164)}::text[]) with ordinality as u(e, i)`).rejects.toMatchObject(
      violation(CUSTOMER_FK),
    );
    const { e164 } = await numberWithHistory();
    await expect(
      t.sql`update telephone_numbers set customer_id = ${other.customer.id} where e164 = ${e164}`,
    ).rejects.toMatchObject(violation(CUSTOMER_FK));
  });

  it('refuses a history row naming a number that does not exist', async () => {
    await expect(t.sql`
      insert into number_status_history (number_id, from_status, to_status, actor)
      values (-1, null, 'Active', 'import')`).rejects.toMatchObject(violation(HISTORY_FK));
    const { id } = await numberWithHistory();
    await expect(
      t.sql`update number_status_history set number_id = -1 where number_id = ${id}`,
    ).rejects.toMatchObject(violation(HISTORY_FK));
  });

  it('takes valid rows, from one statement or many', async () => {
    const { operator, customer } = await createTenant(t.db);
    const e164s = Array.from({ length: 2000 }, uniqueE164);
    const [row] = await t.sql<{ n: number }[]>`
      with w as (
        insert into telephone_numbers (e164, operator_id, customer_id, status)
        select e, ${operator.id}, case when i % 2 = 0 then ${customer.id}::uuid end, 'Active'
        from unnest(${e164s}::text[]) with ordinality as u(e, i)
        returning id, status),
      h as (insert into number_status_history (number_id, from_status, to_status, actor)
            select id, null, status, 'import' from w)
      select count(*)::int as n from w`;
    expect(row?.n).toBe(2000);
  });

  it('refuses to delete, re-key or truncate an operator, customer or number that rows name', async () => {
    // An operator named by a number only (its customer goes first: customers still have a
    // foreign key to their operator).
    const lone = await numberWithHistory({ customer: false });
    await t.sql`delete from customers where id = ${lone.customer.id}`;
    await expect(t.sql`delete from operators where id = ${lone.operator.id}`).rejects.toMatchObject(
      violation(OPERATOR_FK),
    );
    await expect(
      t.sql`update operators set id = ${randomUUID()} where id = ${lone.operator.id}`,
    ).rejects.toMatchObject(violation(OPERATOR_FK));
    const { operator, customer, id } = await numberWithHistory();
    await expect(t.sql`delete from customers where id = ${customer.id}`).rejects.toMatchObject(
      violation(CUSTOMER_FK),
    );
    await expect(
      t.sql`update customers set id = ${randomUUID()} where id = ${customer.id}`,
    ).rejects.toMatchObject(violation(CUSTOMER_FK));
    await expect(t.sql`delete from telephone_numbers where id = ${id}`).rejects.toMatchObject(
      violation(HISTORY_FK),
    );
    await expect(t.sql`truncate telephone_numbers cascade`).rejects.toMatchObject(
      violation(HISTORY_FK),
    );
    await expect(t.sql`truncate customers cascade`).rejects.toMatchObject(violation(CUSTOMER_FK));
    // What nothing names goes, and a change of anything but the key is not checked.
    const spare = await createCustomer(t.db, operator.id);
    await t.sql`update customers set operator_connect = false where id = ${customer.id}`;
    const [gone] = await t.sql<{ n: number }[]>`
      with d as (delete from customers where id = ${spare.id} returning 1)
      select count(*)::int as n from d`;
    expect(gone).toEqual({ n: 1 });
  });

  it('makes a delete that races an insert naming the row wait, then refuses it', async () => {
    const { operator } = await createTenant(t.db);
    const customer = await createCustomer(t.db, operator.id);
    await onTwoConnections(t.sql, async (writer, deleter) => {
      await writer`begin`;
      // Names the customer without holding it: the trigger must KEY SHARE-lock it.
      await writer`
        insert into telephone_numbers (e164, operator_id, customer_id, status)
        values (${uniqueE164()}, ${operator.id}, ${customer.id}, 'Active')`;
      const deleting = deleter`delete from customers where id = ${customer.id}`.then(
        () => 'deleted',
        (err: unknown) => errorCode(err),
      );
      await waitForLockWait(t.sql, 'the delete to wait for the writer', 'delete from customers%');
      await writer`commit`;
      expect(await deleting).toBe('23503');
    });
  });

  it('makes an insert that races the delete of the row it names wait, then refuses it', async () => {
    const { operator } = await createTenant(t.db);
    const customer = await createCustomer(t.db, operator.id);
    await onTwoConnections(t.sql, async (deleter, writer) => {
      await deleter`begin`;
      await deleter`delete from customers where id = ${customer.id}`;
      const inserting = writer`
        insert into telephone_numbers (e164, operator_id, customer_id, status)
        values (${uniqueE164()}, ${operator.id}, ${customer.id}, 'Active')`.then(
        () => 'inserted',
        (err: unknown) => err,
      );
      await waitForLockWait(
        t.sql,
        'the insert to wait for the deleter',
        '%insert into telephone_numbers%',
      );
      await deleter`commit`;
      const err = await inserting;
      expect(err).toMatchObject(violation(CUSTOMER_FK));
      // The service's error classes treat it as a foreign key's error: not transient.
      expect(dbErrorClass(err)).toBeUndefined();
      expect(isTransientDbError(err)).toBe(false);
    });
  });
});
