import { beforeAll, describe, expect, it } from 'vitest';
import { useApiSuite } from '../support/app.ts';
import { createConsoleClient } from '../support/console-client.ts';
import { createCustomer, createNumbers } from '../support/factories.ts';

// The console's pages page the way the API does: the numbers page by the API's own keyset
// cursor (one cursor works in both, bound to the same filter), its totals from the counters;
// the overview's customers 50 at a time, most waiting first.

const suite = useApiSuite('console-paging', {}, { worker: false });
let c: ReturnType<typeof createConsoleClient>;

beforeAll(async () => {
  c = createConsoleClient(suite.api.app);
  expect((await c.signIn(suite.tenant.apiKey.key)).statusCode).toBe(303);
});

const numbersOn = (html: string) =>
  [...html.matchAll(/name="numbers" value="([^"]+)"/g)].map((m) => m[1]);
const linkOn = (html: string, text: string) => {
  const href = new RegExp(`<a href="([^"]+)"[^>]*>${text}</a>`).exec(html)?.[1];
  return href?.replaceAll('&amp;', '&');
};
const cursorOf = (href: string | undefined) =>
  new URL(href ?? '', 'http://x').searchParams.get('cursor');

describe('console paging', () => {
  it("pages the numbers with the API's cursor, and the API takes the console's cursor", async () => {
    const marked = await suite.marked(120);
    await createNumbers(suite.t.db, {
      operatorId: suite.tenant.operator.id,
      customerId: suite.tenant.customer.id,
      status: 'Active',
      count: 7,
    });
    const sorted = [...marked].sort();
    const first = await c.get('/console/numbers?status=MarkedForRemoval');
    expect(first.body).toContain('120 numbers, page 1 of 3.');
    expect(numbersOn(first.body)).toEqual(sorted.slice(0, 50));
    expect(linkOn(first.body, 'First page')).toBeUndefined();
    const next = linkOn(first.body, 'Next page');
    expect(next).toMatch(/^\/console\/numbers\?status=MarkedForRemoval&cursor=/);

    // The API's first page hands out the very same cursor.
    const api = await suite.get('/api/v3/oc/numbers?acquiredNumberStatus=2&PageSize=50');
    expect(api.json().nextCursor).toBe(cursorOf(next));

    const second = await c.get(next ?? '');
    expect(second.body).toContain('120 numbers, page 2 of 3.');
    expect(numbersOn(second.body)).toEqual(sorted.slice(50, 100));
    expect(linkOn(second.body, 'First page')).toBe('/console/numbers?status=MarkedForRemoval');
    const third = linkOn(second.body, 'Next page');
    // The console's cursor, given to the API, is the same page there.
    const apiThird = await suite.get(
      `/api/v3/oc/numbers?acquiredNumberStatus=MarkedForRemoval&PageSize=50&cursor=${cursorOf(third)}`,
    );
    expect(apiThird.json().data.map((n: { telephoneNumber: string }) => n.telephoneNumber)).toEqual(
      sorted.slice(100),
    );
    const last = await c.get(third ?? '');
    expect(last.body).toContain('120 numbers, page 3 of 3.');
    expect(numbersOn(last.body)).toEqual(sorted.slice(100));
    expect(linkOn(last.body, 'Next page')).toBeUndefined();

    // A cursor is bound to its filter: another filter's, or a forged one, is a 400 page.
    for (const url of [
      `/console/numbers?status=Active&cursor=${cursorOf(next)}`,
      `/console/numbers?msTenantId=${suite.tenant.customer.msTenantId}&status=MarkedForRemoval&cursor=${cursorOf(next)}`,
      '/console/numbers?cursor=eyJsIjoibnVtYmVycyJ9',
    ]) {
      const refused = await c.get(url);
      expect(refused.statusCode, url).toBe(400);
      expect(refused.body).toContain('The cursor is not one this list handed out');
    }
  });

  it('lists the customers with numbers waiting 50 at a time, most waiting first', async () => {
    const operatorId = suite.tenant.operator.id;
    const made: { msTenantId: string; marked: number }[] = [];
    for (let i = 0; i < 53; i++) {
      const customer = await createCustomer(suite.t.db, operatorId);
      const marked = 1 + (i % 4);
      await createNumbers(suite.t.db, {
        operatorId,
        customerId: customer.id,
        status: 'MarkedForRemoval',
        count: marked,
      });
      made.push({ msTenantId: customer.msTenantId, marked });
    }
    // With the tenant's own customer from the test before (120 marked): 54 in all.
    const order = [{ msTenantId: suite.tenant.customer.msTenantId, marked: 120 }, ...made]
      .sort((a, b) => b.marked - a.marked || (a.msTenantId < b.msTenantId ? -1 : 1))
      .map((x) => x.msTenantId);
    const tenantsOn = (html: string) =>
      [...html.matchAll(/<td><a href="\/console\/numbers\?msTenantId=([0-9a-f-]{36})&amp;/g)].map(
        (m) => m[1],
      );
    const overview = await c.get('/console');
    expect(overview.body).toContain('most waiting first (54 in all)');
    expect(tenantsOn(overview.body)).toEqual(order.slice(0, 50));
    const next = linkOn(overview.body, 'Next customers');
    expect(next).toMatch(/^\/console\?customers=[\w-]+#customers-h$/);
    const rest = await c.get(next ?? '');
    expect(tenantsOn(rest.body)).toEqual(order.slice(50));
    expect(linkOn(rest.body, 'Next customers')).toBeUndefined();
    expect(linkOn(rest.body, 'First customers')).toBe('/console#customers-h');
    // The summary of the whole operator is still there, exact.
    expect(rest.body).toContain(`>${120 + made.reduce((n, x) => n + x.marked, 0)}</a>`);
  });
});
