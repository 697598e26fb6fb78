import type { Database } from '../../src/db/client.ts';
import { createCustomer, createMarkedNumbers, createNumbers, uniqueE164 } from './factories.ts';

export interface MixedCounts {
  /** MarkedForRemoval, of the tenant's Operator Connect customer: these move. */
  marked: number;
  active?: number;
  ready?: number;
  /** MarkedForRemoval, of a customer of the tenant that is not an Operator Connect one. */
  notOperatorConnect?: number;
  /** Valid E.164 numbers that exist nowhere. */
  unknown?: number;
}

/**
 * A tenant's numbers of every kind an operation tells apart, grouped by what each operation must
 * answer for them: the starting point of the tests about mixed outcomes.
 */
export async function createMixedNumbers(
  db: Database,
  tenant: { operator: { id: string }; customer: { id: string } },
  counts: MixedCounts,
) {
  const operatorId = tenant.operator.id;
  const own = { operatorId, customerId: tenant.customer.id };
  const plainCustomer = await createCustomer(db, operatorId, { operatorConnect: false });
  const some = (status: 'Active' | 'ReadyForRemoval', count = 0) =>
    count > 0 ? createNumbers(db, { ...own, status, count }) : Promise.resolve([]);
  return {
    marked: await createMarkedNumbers(db, tenant, counts.marked),
    active: await some('Active', counts.active),
    ready: await some('ReadyForRemoval', counts.ready),
    notOperatorConnect:
      (counts.notOperatorConnect ?? 0) > 0
        ? await createNumbers(db, {
            operatorId,
            customerId: plainCustomer.id,
            status: 'MarkedForRemoval',
            count: counts.notOperatorConnect,
          })
        : [],
    unknown: Array.from({ length: counts.unknown ?? 0 }, uniqueE164),
  };
}
