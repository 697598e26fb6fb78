import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, useApiSuite } from '../support/app.ts';
import { createCustomer, createNumbers, createTenant } from '../support/factories.ts';

// GET /api/v3/oc/numbers by cursor: each page hands out `nextCursor`, following them lists
// every number once in order, deep pages by PageNumber agree with it, and a cursor is bound
// to its filter and operator: forged or foreign → 400 INVALID_CURSOR. (A well-formed position
// the caller wrote itself is accepted: it is one of its own numbers' places in its own list,
// src/api/views/cursor.ts.)

const URL = '/api/v3/oc/numbers';
const suite = useApiSuite('api-list-cursor', {}, {});
let tenantId: string;
let marked: string[];

beforeAll(async () => {
  const op = suite.tenant.operator.id;
  const customer = suite.tenant.customer;
  tenantId = customer.msTenantId;
  marked = await createNumbers(suite.t.db, {
    operatorId: op,
    customerId: customer.id,
    status: 'MarkedForRemoval',
    count: 23,
  });
  await createNumbers(suite.t.db, { operatorId: op, customerId: null, status: 'Active', count: 9 });
  const second = await createCustomer(suite.t.db, op);
  await createNumbers(suite.t.db, {
    operatorId: op,
    customerId: second.id,
    status: 'MarkedForRemoval',
    count: 4,
  });
});

type Page = {
  currentPage: number;
  totalRecords: number;
  data: { telephoneNumber: string }[];
  nextCursor: string | null;
};

async function page(query: string, key = suite.tenant.apiKey.key): Promise<Page> {
  const res = await suite.api.app.inject({
    method: 'GET',
    url: `${URL}${query}`,
    headers: bearer(key),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

async function walk(filter: string, size: number) {
  const pages: Page[] = [];
  let cursor: string | null = '';
  while (cursor !== null) {
    const next: Page = await page(`?PageSize=${size}${filter}${cursor ? `&cursor=${cursor}` : ''}`);
    pages.push(next);
    cursor = next.nextCursor;
  }
  return pages;
}

describe('number list cursors', () => {
  it('lists every number once, in order, with the page numbers and the same pages as PageNumber', async () => {
    const pages = await walk('', 5);
    const numbers = pages.flatMap((p) => p.data.map((n) => n.telephoneNumber));
    expect(numbers.length).toBe(36);
    expect(numbers).toEqual([...numbers].sort());
    expect(new Set(numbers).size).toBe(36);
    expect(pages.map((p) => p.currentPage)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(pages.every((p) => p.totalRecords === 36)).toBe(true);
    expect(pages.at(-1)?.data.length).toBe(1);
    // A deep page by number is the same page.
    expect((await page('?PageSize=5&PageNumber=6')).data).toEqual(pages[5]?.data);
  });

  it('follows a filter, and a last page that is full has no next cursor', async () => {
    const pages = await walk(`&msTenantId=${tenantId}&acquiredNumberStatus=2`, 23);
    expect(pages.length).toBe(1);
    expect(pages[0]?.data.map((n) => n.telephoneNumber)).toEqual([...marked].sort());
    const byFour = await walk('&acquiredNumberStatus=MarkedForRemoval', 4);
    expect(byFour.flatMap((p) => p.data).length).toBe(27);
    expect(byFour[0]?.totalRecords).toBe(27);
  });

  it('refuses a cursor of another filter or operator, and forged ones, with 400 INVALID_CURSOR', async () => {
    const cursor = (await page('?PageSize=2&acquiredNumberStatus=2')).nextCursor;
    expect(cursor).toEqual(expect.any(String));
    const forge = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const decoded = JSON.parse(Buffer.from(String(cursor), 'base64url').toString());
    const other = await createTenant(suite.t.db);
    const attempts: [string, string, string?][] = [
      ['another filter', `?acquiredNumberStatus=0&cursor=${cursor}`],
      ['no filter', `?cursor=${cursor}`],
      ['another operator', `?acquiredNumberStatus=2&cursor=${cursor}`, other.apiKey.key],
      ['not base64 JSON', '?cursor=%25%25%25'],
      [
        'page number 1',
        `?acquiredNumberStatus=2&cursor=${forge({ ...decoded, a: { ...decoded.a, p: 1 } })}`,
      ],
      [
        'a bad position',
        `?acquiredNumberStatus=2&cursor=${forge({ ...decoded, a: { e: "' or 1=1", p: 2 } })}`,
      ],
      ['a jobs cursor', `?acquiredNumberStatus=2&cursor=${forge({ ...decoded, l: 'jobs' })}`],
      ['an extra field', `?acquiredNumberStatus=2&cursor=${forge({ ...decoded, x: 1 })}`],
    ];
    for (const [what, query, key = suite.tenant.apiKey.key] of attempts) {
      const res = await suite.api.app.inject({
        method: 'GET',
        url: `${URL}${query}`,
        headers: bearer(key),
      });
      expect({ what, status: res.statusCode, code: res.json().errorCode }).toEqual({
        what,
        status: 400,
        code: 'INVALID_CURSOR',
      });
    }
    const tooLong = await suite.api.app.inject({
      method: 'GET',
      url: `${URL}?cursor=${'a'.repeat(300)}`,
      headers: bearer(suite.tenant.apiKey.key),
    });
    expect(tooLong.statusCode).toBe(400);
  });
});
