import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenApiDocument } from '../contract/document.ts';
import { uniqueE164 } from '../support/factories.ts';
import { waitForJobsEnded } from '../support/invariants.ts';
import { idRoutes, ODD_IDS } from '../support/job-routes.ts';
import { rssKiB, type ServiceProcess } from '../support/processes.ts';
import { bodyLike, numberList } from '../support/scenario/arbitraries.ts';
import { assertProblemAnswers, type Client } from '../support/scenario/http.ts';
import { type ExpectedAnswer, judgeBody, mismatch, poisoned } from '../support/scenario/oracle.ts';
import { rawPost } from '../support/scenario/raw-socket.ts';
import { checkWorld, type Scenario, startScenario } from '../support/scenario/scenario.ts';
import { ASYNC, ENDPOINT, JOBS, tenantWithNumbers } from '../support/scenario/tenants.ts';

// Bad input: fuzzed bodies and numbers judged by an independent oracle, boundary
// sizes, oversized and compressed bodies, wrong types and content types, odd ids in paths.
// Against a real API process (budget raised: this file sends hundreds of requests).

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);

let world: Scenario;
let api: ServiceProcess;
let client: Client;
let key: string;
const accepted: string[] = [];

beforeAll(async () => {
  const limits = { RATE_LIMIT_MAX: '1000000', AUTH_FAILURE_LIMIT_MAX: '1000000' };
  const started = await startScenario('rel-input', limits, { apis: 1, workers: 1 });
  world = started.world;
  [api] = started.apis;
  [client] = started.clients;
  key = (await tenantWithNumbers(world.db.db, 1)).key;
});

async function post(body: unknown, raw?: string) {
  const answer = await client.request('POST', ENDPOINT, {
    key,
    headers: { ...ASYNC, 'content-type': 'application/json' },
    ...(raw === undefined ? { body } : { raw }),
  });
  if (answer.status === 202) accepted.push((answer.json as { jobId: string }).jobId);
  return answer;
}

describe('fuzzing (fast-check) against an independent oracle', () => {
  it('decides every list of numbers like the oracle, never with a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(numberList, async (telephoneNumbers) => {
        const answer = await post({ telephoneNumbers });
        const wrong = mismatch(answer, judgeBody({ telephoneNumbers }));
        if (wrong) throw new Error(`${wrong}: ${answer.text.slice(0, 400)}`);
      }),
      { numRuns: RUNS },
    );
  }, 120_000);

  it('decides every body like the oracle, never with a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(bodyLike, async (body) => {
        const raw = JSON.stringify(body);
        const sent: unknown = JSON.parse(raw);
        const answer = await post(undefined, raw);
        const expected: ExpectedAnswer = poisoned(sent)
          ? { status: 400, codes: ['MALFORMED_JSON', 'INVALID_BODY'] }
          : judgeBody(sent);
        const wrong = mismatch(answer, expected);
        if (wrong) throw new Error(`${wrong}: ${answer.text.slice(0, 400)}`);
      }),
      { numRuns: RUNS },
    );
  }, 120_000);
});

describe('boundaries and hostile bodies', () => {
  const numbers = (n: number) => Array.from({ length: n }, uniqueE164);

  it('takes 1 and 500 numbers, refuses 0 and 501', async () => {
    expect((await post({ telephoneNumbers: [] })).json).toMatchObject({
      errorCode: 'TOO_FEW_NUMBERS',
    });
    expect((await post({ telephoneNumbers: numbers(1) })).status).toBe(202);
    expect((await post({ telephoneNumbers: numbers(500) })).status).toBe(202);
    const over = await post({ telephoneNumbers: numbers(501) });
    expect(over.json).toMatchObject({ status: 400, errorCode: 'TOO_MANY_NUMBERS' });
  });

  it('answers 413 to bodies over 64 KiB, with or without a Content-Length', async () => {
    const big = JSON.stringify({ telephoneNumbers: numbers(500), pad: 'x'.repeat(64 * 1024) });
    expect((await post(undefined, big)).json).toMatchObject({
      status: 413,
      errorCode: 'PAYLOAD_TOO_LARGE',
    });
    const chunked = await rawPost(client, api, key, Buffer.from(big), {
      'transfer-encoding': 'chunked',
    });
    expect(chunked.status).toBe(413);
  });

  it('never inflates a gzip bomb: refused, and the process stays small', async () => {
    const rssBefore = rssKiB(api.pid);
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20)); // 50 MiB of spaces, ~50 KiB
    const answer = await rawPost(client, api, key, bomb, { 'content-encoding': 'gzip' });
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    const grewMiB = (rssKiB(api.pid) - rssBefore) / 1024;
    console.info(
      `[figure] gzip bomb (${bomb.length} B → 50 MiB): ${answer.status}, RSS grew ${grewMiB.toFixed(1)} MiB`,
    );
    expect(grewMiB).toBeLessThan(40);
  });

  it('refuses wrong types, poisoned keys, non-ASCII digits and malformed JSON with a 400', async () => {
    const cases: [string, string][] = [
      ['null', 'BODY_REQUIRED'],
      ['[]', 'INVALID_BODY'],
      ['"+14255551212"', 'INVALID_BODY'],
      ['42', 'INVALID_BODY'],
      ['{"telephoneNumbers":"+14255551212"}', 'INVALID_BODY'],
      ['{"telephoneNumbers":{"0":"+14255551212"}}', 'INVALID_BODY'],
      ['{"telephoneNumbers":[14255551212]}', 'INVALID_TELEPHONE_NUMBERS'],
      ['{"telephoneNumbers":[["+14255551212"]]}', 'INVALID_TELEPHONE_NUMBERS'],
      ['{"telephoneNumbers":["+١٤٢٥٥٥٥١٢١٢"]}', 'INVALID_TELEPHONE_NUMBERS'],
      ['{"telephoneNumbers":["+１４２５５５５１２１２"]}', 'INVALID_TELEPHONE_NUMBERS'],
      ['{"__proto__":{"isAdmin":true},"telephoneNumbers":["+14255551212"]}', 'MALFORMED_JSON'],
      ['{"constructor":{"prototype":{}},"telephoneNumbers":["+14255551212"]}', 'MALFORMED_JSON'],
      ['{"telephoneNumbers":["+14255551212"],"extra":1}', 'INVALID_BODY'],
      ['{', 'MALFORMED_JSON'],
      ['{"telephoneNumbers":[}', 'MALFORMED_JSON'],
      ['{"telephoneNumbers":["+14255551212",]}', 'MALFORMED_JSON'],
      ["{'telephoneNumbers':['+14255551212']}", 'MALFORMED_JSON'],
      ['{"telephoneNumbers":[NaN]}', 'MALFORMED_JSON'],
    ];
    for (const [raw, code] of cases) {
      const answer = await post(undefined, raw);
      expect({
        raw,
        status: answer.status,
        code: (answer.json as { errorCode?: string }).errorCode,
      }).toEqual(
        expect.objectContaining({
          raw,
          status: 400,
          code: expect.stringMatching(
            code === 'MALFORMED_JSON' ? /MALFORMED_JSON|INVALID_BODY/ : code,
          ),
        }),
      );
    }
  });

  it('answers 415 to every content type but JSON', async () => {
    const body = JSON.stringify({ telephoneNumbers: ['+14255551212'] });
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      'application/jsonx',
      'text/json',
    ]) {
      const answer = await client.request('POST', ENDPOINT, {
        key,
        raw: body,
        headers: { 'content-type': type },
      });
      expect({ type, status: answer.status }).toEqual({ type, status: 415 });
    }
    const none = await rawPost(client, api, key, Buffer.from(body), { 'content-type': '' });
    expect(none.status).toBe(415);
  });

  it('answers one and the same 404 to odd ids in the path of every documented route', async () => {
    const document = (await client.request('GET', '/openapi.json')).json as OpenApiDocument;
    const routes = idRoutes(document);
    expect(routes.length).toBeGreaterThanOrEqual(5);
    for (const id of ODD_IDS) {
      for (const route of routes) {
        const path = route.path(Object.fromEntries(route.params.map((name) => [name, id])));
        const answer = await client.request(route.method, path, {
          key,
          ...(route.body !== undefined && { body: route.body }),
        });
        expect({
          path: path.slice(0, 80),
          status: answer.status,
          code: (answer.json as { errorCode?: string }).errorCode,
        }).toEqual({ path: path.slice(0, 80), status: 404, code: 'NOT_FOUND' });
      }
    }
  });
});

describe('hostile nesting, lists, numbers and cursors', () => {
  it('answers deep nesting and 32,000 bad entries with small problems, never a stack overflow', async () => {
    const deep = `${'['.repeat(5000)}"+14255551212"${']'.repeat(5000)}`;
    for (const raw of [`{"telephoneNumbers":[${deep}]}`, `{"telephoneNumbers":${deep}}`, deep]) {
      const answer = await post(undefined, raw);
      expect(answer.status).toBe(400);
      expect(answer.text.length).toBeLessThan(10_000);
    }
    const flood = await post(undefined, `{"telephoneNumbers":[${Array(32_000).fill('0')}]}`);
    expect(flood.json).toMatchObject({ errorCode: 'TOO_MANY_NUMBERS', errorsOmitted: 31_900 });
    expect(flood.text.length).toBeLessThan(30_000);
  });

  it('refuses query numbers that are not plain decimal digits, and forged cursors', async () => {
    const jobId = accepted[0] ?? '00000000-0000-4000-8000-000000000000';
    for (const value of ['0x10', '1e3', '+5', ' 5', '5.0', '1_0', '９']) {
      const encoded = encodeURIComponent(value);
      for (const path of [
        `/api/v3/oc/numbers?PageSize=${encoded}`,
        `/api/v3/oc/numbers?PageNumber=${encoded}`,
        `${JOBS}?limit=${encoded}`,
        `${JOBS}/${jobId}/items?limit=${encoded}`,
      ]) {
        const answer = await client.request('GET', path, { key });
        expect({ path, status: answer.status }).toEqual({ path, status: 400 });
      }
    }
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const cursor of [
      b64({ k: 'items', a: 1e20 }),
      b64({ l: 'items', a: 1e20, s: 'A'.repeat(16) }),
      b64({ l: 'jobs', a: "' or 1=1 --", s: 'A'.repeat(16) }),
      'A'.repeat(200),
    ]) {
      for (const path of [`${JOBS}?cursor=${cursor}`, `${JOBS}/${jobId}/items?cursor=${cursor}`]) {
        const answer = await client.request('GET', path, { key });
        expect(answer.json).toMatchObject({ status: 400, errorCode: 'INVALID_CURSOR' });
      }
    }
  });
});

afterAll(async () => {
  if (!world) return;
  await waitForJobsEnded(world.db.sql, accepted, 60_000);
  await checkWorld(world);
  assertProblemAnswers(client.answers);
  console.info(
    `[figure] hostile input: ${client.answers.length} requests, ${accepted.length} accepted jobs ended, 0 5xx`,
  );
  await world.close();
}, 90_000);
