import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Tenant, useApiSuite } from '../support/app.ts';
import { cli, inventoryCsv } from '../support/cli-harness.ts';
import { createMarkedNumbers, createTenant, uniqueE164 } from '../support/factories.ts';

// GET /api/v3/oc/numbers/{telephoneNumber}: one number with its status history, and how that
// route sits beside /numbers/jobs…, /numbers/action/… and /numbers/removal-status/summary.

const NUMBERS = '/api/v3/oc/numbers';
const suite = useApiSuite('api-number');
let other: Tenant;

beforeAll(async () => {
  other = await createTenant(suite.t.db);
});

const get = (url: string, key = suite.tenant.apiKey.key) =>
  suite.api.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });

/** A problem body without what differs per answer. */
const stable = (body: Record<string, unknown>) => {
  const { errorTicket: _ticket, traceId: _trace, instance: _instance, ...rest } = body;
  return rest;
};

describe('one number', () => {
  it('answers the number as in the list, with + sent as %2B or literally', async () => {
    const [e164] = (await createMarkedNumbers(suite.t.db, suite.tenant, 1)) as [string];
    const encoded = await get(`${NUMBERS}/${encodeURIComponent(e164)}`);
    expect(encoded.statusCode).toBe(200);
    const body = encoded.json();
    const listed = (await get(`${NUMBERS}?acquiredNumberStatus=2`)).json();
    const { history, ...number } = body;
    expect(listed.data).toContainEqual(number);
    expect(number).toMatchObject({
      telephoneNumber: e164,
      acquiredNumberStatusName: 'MarkedForRemoval',
    });
    expect(history).toEqual([]); // created by a factory, not by an import or a job
    const literal = await get(`${NUMBERS}/${e164}`);
    expect(literal.statusCode).toBe(200);
    expect(literal.json()).toEqual(body);
  });

  it('answers an unknown, foreign or malformed number exactly like a missing job', async () => {
    const missingJob = await get(`${NUMBERS}/jobs/${randomUUID()}`);
    expect(missingJob.statusCode).toBe(404);
    const [foreign] = (await createMarkedNumbers(suite.t.db, other, 1)) as [string];
    expect(
      (await get(`${NUMBERS}/${encodeURIComponent(foreign)}`, other.apiKey.key)).statusCode,
    ).toBe(200);
    for (const path of [
      uniqueE164(),
      foreign,
      'abc',
      '%2B0123',
      '14255551212',
      `${'9'.repeat(20)}`,
    ]) {
      const res = await get(`${NUMBERS}/${path.replace('+', '%2B')}`);
      expect(res.statusCode, path).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(stable(res.json())).toEqual(stable(missingJob.json()));
    }
  });

  it('leaves the static sibling routes where they were', async () => {
    const jobs = await get(`${NUMBERS}/jobs`);
    expect(jobs.statusCode).toBe(200);
    expect(jobs.json()).toEqual({ data: expect.any(Array), nextCursor: null });
    const summary = await get(`${NUMBERS}/removal-status/summary`);
    expect(Object.keys(summary.json()).sort()).toEqual([
      'markedForRemovalCount',
      'readyForRemovalCount',
      'totalCount',
    ]);
    // Words in the number's place are not numbers; nothing under them becomes one.
    for (const path of [
      'jobs/',
      'action',
      'action/ready-for-removal',
      'removal-status',
      'removal-status/x',
    ]) {
      expect((await get(`${NUMBERS}/${path}`)).statusCode, path).toBe(404);
    }
    const noBody = await suite.api.app.inject({
      method: 'POST',
      url: `${NUMBERS}/action/ready-for-removal`,
      headers: { authorization: `Bearer ${suite.tenant.apiKey.key}` },
    });
    expect(noBody.json()).toMatchObject({ errorCode: 'BODY_REQUIRED' });
  });

  it('tells the history of a number imported, re-imported and confirmed, newest first', async () => {
    const e164 = uniqueE164();
    const row = (status: string) => [
      e164,
      status,
      suite.tenant.operator.slug,
      suite.tenant.customer.msTenantId,
      'true',
    ];
    const first = await cli(suite.t.url, ['numbers', 'import', '-'], {
      stdin: inventoryCsv([row('Active')]),
    });
    expect(first.code).toBe(0);
    const again = await cli(suite.t.url, ['numbers', 'import', '-'], {
      stdin: inventoryCsv([row('MarkedForRemoval')]),
    });
    expect(again.code).toBe(0);
    const confirm = await suite.api.app.inject({
      method: 'POST',
      url: `${NUMBERS}/action/ready-for-removal`,
      headers: { authorization: `Bearer ${suite.tenant.apiKey.key}` },
      payload: { telephoneNumbers: [e164] },
    });
    expect(confirm.statusCode).toBe(200);
    const jobId = confirm.json().data.jobId;

    const res = await get(`${NUMBERS}/${encodeURIComponent(e164)}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      telephoneNumber: e164,
      acquiredNumberStatus: 3,
      acquiredNumberStatusName: 'ReadyForRemoval',
      assignable: false,
      confirmedForRemovalAt: expect.any(String),
    });
    expect(body.history).toEqual([
      {
        fromStatus: 'MarkedForRemoval',
        toStatus: 'ReadyForRemoval',
        at: body.confirmedForRemovalAt,
        jobId,
        operation: 'ready-for-removal',
        actor: `api-key:${suite.tenant.apiKey.id}`,
      },
      {
        fromStatus: 'Active',
        toStatus: 'MarkedForRemoval',
        at: expect.any(String),
        jobId: null,
        operation: 'import',
        actor: 'import',
      },
      {
        fromStatus: null,
        toStatus: 'Active',
        at: expect.any(String),
        jobId: null,
        operation: 'import',
        actor: 'import',
      },
    ]);
    const times = body.history.map((h: { at: string }) => Date.parse(h.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    // The other operator cannot read it.
    expect((await get(`${NUMBERS}/${encodeURIComponent(e164)}`, other.apiKey.key)).statusCode).toBe(
      404,
    );
  });

  it('documents the reads with operationIds and named component schemas', async () => {
    const doc = (await suite.api.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const op = (path: string) => doc.paths[path].get;
    const ok = (path: string, type = 'application/json') =>
      op(path).responses['200'].content[type].schema;
    expect(op(`${NUMBERS}/removal-status/summary`).operationId).toBe('getRemovalStatusSummary');
    expect(op(NUMBERS).operationId).toBe('listNumbers');
    expect(op(`${NUMBERS}/{telephoneNumber}`).operationId).toBe('getNumber');
    expect(ok(`${NUMBERS}/removal-status/summary`)).toEqual({
      $ref: '#/components/schemas/RemovalStatusSummary',
    });
    expect(ok(NUMBERS)).toEqual({ $ref: '#/components/schemas/NumberPage' });
    expect(ok(`${NUMBERS}/{telephoneNumber}`)).toEqual({
      $ref: '#/components/schemas/NumberWithHistory',
    });
    expect(Object.keys(op(NUMBERS).responses['200'].content)).toEqual([
      'application/json',
      'text/csv',
    ]);
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining([
        'InventoryNumber',
        'NumberPage',
        'NumberStatusChange',
        'NumberWithHistory',
        'RemovalStatusSummary',
      ]),
    );
    expect(doc.components.schemas.NumberPage.properties.data.items).toEqual({
      $ref: '#/components/schemas/InventoryNumber',
    });
    const params = op(NUMBERS).parameters.map(
      (p: { name: string; in: string }) => `${p.in}:${p.name}`,
    );
    expect(params.sort()).toEqual([
      'query:PageNumber',
      'query:PageSize',
      'query:acquiredNumberStatus',
      'query:cursor',
      'query:msTenantId',
    ]);
  });
});
