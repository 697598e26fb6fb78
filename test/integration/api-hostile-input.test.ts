import { describe, expect, it } from 'vitest';
import { MAX_PROBLEM_ERRORS } from '../../src/api/http/problem.ts';
import { useApiSuite } from '../support/app.ts';

// Hostile bodies and query strings get bounded problem details: deep nesting and huge lists of
// bad entries never overflow the stack or swell the answer, and numbers in query strings are
// plain decimal digits (docs/api.md, "Errors").

const ACTION = '/api/v3/oc/numbers/action/ready-for-removal';
const suite = useApiSuite('api-hostile', {}, { worker: false });

const postRaw = (payload: string) =>
  suite.api.app.inject({
    method: 'POST',
    url: ACTION,
    headers: { ...suite.auth, 'content-type': 'application/json' },
    payload,
  });

/** A problem answer: content type, ticket and the fields every problem has. */
function problem(res: { statusCode: number; headers: Record<string, unknown>; body: string }) {
  expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  const body = JSON.parse(res.body);
  expect(body).toMatchObject({
    status: res.statusCode,
    errorTicket: expect.stringMatching(/^ET-/),
  });
  expect(res.body).not.toMatch(/call stack|at .*\.ts|node_modules/i);
  return body;
}

describe('bodies that once broke the problem answer', () => {
  it('a 5,000-level nested array gets a problem with an errorTicket', async () => {
    const deep = `${'['.repeat(5000)}"+14255551212"${']'.repeat(5000)}`;
    for (const payload of [`{"telephoneNumbers":[${deep}]}`, `{"telephoneNumbers":${deep}}`]) {
      const res = await postRaw(payload);
      expect(res.statusCode).toBe(400);
      const body = problem(res);
      expect(body.errorCode).toMatch(/INVALID_TELEPHONE_NUMBERS|INVALID_BODY|TOO_MANY_NUMBERS/);
      expect(res.body.length).toBeLessThan(10_000);
    }
  });

  it('65 KB of bad entries: the first errors, a count of the rest, a small answer', async () => {
    const count = 32_000;
    const res = await postRaw(`{"telephoneNumbers":[${Array(count).fill('0').join(',')}]}`);
    expect(res.statusCode).toBe(400);
    const body = problem(res);
    expect(body.errorCode).toBe('TOO_MANY_NUMBERS');
    expect(body.errors).toHaveLength(MAX_PROBLEM_ERRORS);
    expect(body.errorsOmitted).toBe(count - MAX_PROBLEM_ERRORS);
    expect(res.body.length).toBeLessThan(30_000);
    // Only strings are echoed: a number entry has no telephoneNumber to show.
    expect(body.errors[0]).toEqual({
      index: 0,
      errorCode: 'INVALID_E164',
      detail: expect.any(String),
    });
  });

  it('echoes only strings, cut to a bounded length', async () => {
    const long = `+1${'2'.repeat(5000)}`;
    const res = await postRaw(JSON.stringify({ telephoneNumbers: [long, { a: 1 }, null, true] }));
    const body = problem(res);
    expect(body.errorCode).toBe('INVALID_TELEPHONE_NUMBERS');
    const [first, ...others] = body.errors as { telephoneNumber?: string; detail: string }[];
    expect(first?.telephoneNumber).toBe(`${long.slice(0, 32)}…`);
    expect(first?.detail.length).toBeLessThan(300);
    for (const other of others) expect(other).not.toHaveProperty('telephoneNumber');
    expect(res.body.length).toBeLessThan(2_000);
  });

  it('a few bad entries are all listed, with no errorsOmitted', async () => {
    const res = await postRaw(JSON.stringify({ telephoneNumbers: ['x', 'y'] }));
    const body = problem(res);
    expect(body.errors).toHaveLength(2);
    expect(body).not.toHaveProperty('errorsOmitted');
  });
});

describe('numbers in query strings: decimal digits only', () => {
  const get = (url: string) => suite.get(url);
  const NUMERIC = [
    ['/api/v3/oc/numbers', 'PageSize'],
    ['/api/v3/oc/numbers', 'PageNumber'],
    ['/api/v3/oc/numbers/jobs', 'limit'],
    [`/api/v3/oc/numbers/jobs/00000000-0000-4000-8000-000000000000/items`, 'limit'],
  ] as const;

  it.each(['0x10', '1e3', '1e1', '+5', '-0', ' 5', '5 ', '5.0', '0b1', '0o7', 'Infinity', '５'])(
    'refuses %j with 400 INVALID_REQUEST on every numeric parameter',
    async (value) => {
      for (const [path, name] of NUMERIC) {
        const res = await get(`${path}?${name}=${encodeURIComponent(value)}`);
        expect({ path, name, status: res.statusCode }).toEqual({ path, name, status: 400 });
        const body = problem(res);
        expect(body.errorCode).toBe('INVALID_REQUEST');
        expect(body.errors).toEqual([expect.objectContaining({ pointer: `/${name}` })]);
      }
    },
  );

  it('takes plain digits, leading zeros included', async () => {
    expect((await get('/api/v3/oc/numbers?PageSize=010&PageNumber=1')).json()).toMatchObject({
      pageSize: 10,
      currentPage: 1,
    });
    expect((await get('/api/v3/oc/numbers/jobs?limit=05')).statusCode).toBe(200);
  });
});
