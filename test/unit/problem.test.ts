import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { sendProblem, toHttpProblem } from '../../src/api/http/error-handler.ts';
import { buildProblem, HttpProblem, MAX_PROBLEM_ERRORS } from '../../src/api/http/problem.ts';

describe('problem mapping', () => {
  it("keeps our own problems and maps Fastify's body errors to their codes", () => {
    const own = new HttpProblem(422, 'IDEMPOTENCY_KEY_MISMATCH', 'x');
    expect(toHttpProblem(own)).toBe(own);
    const cases = [
      ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 'PAYLOAD_TOO_LARGE'],
      ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['FST_ERR_CTP_EMPTY_JSON_BODY', 400, 'BODY_REQUIRED'],
      ['FST_ERR_CTP_INVALID_JSON_BODY', 400, 'MALFORMED_JSON'],
    ] as const;
    for (const [code, status, errorCode] of cases) {
      expect(toHttpProblem(Object.assign(new Error('x'), { code }))).toMatchObject({
        status,
        code: errorCode,
      });
    }
  });

  it('answers 503 for a transient database error, wherever it is wrapped, and 500 otherwise', () => {
    const dropped = new Error('wrapped', {
      cause: Object.assign(new Error('gone'), { code: '57P01' }),
    });
    expect(toHttpProblem(dropped)).toMatchObject({
      status: 503,
      code: 'SERVICE_UNAVAILABLE',
      headers: { 'retry-after': '5' },
    });
    const internal = toHttpProblem(new Error('select * from secrets'));
    expect(internal).toMatchObject({ status: 500, code: 'INTERNAL_ERROR' });
    expect(internal.message).not.toMatch(/secrets/);
  });

  it('keeps the status of other 4xx errors and names them', () => {
    expect(toHttpProblem(Object.assign(new Error('nope'), { statusCode: 405 }))).toMatchObject({
      status: 405,
      code: 'METHOD_NOT_ALLOWED',
    });
  });

  it('builds RFC 9457 bodies with a fresh error ticket each time', () => {
    const input = {
      status: 404,
      code: 'NOT_FOUND',
      detail: 'd',
      instance: '/x',
      traceId: 't',
    } as const;
    const a = buildProblem(input);
    expect(a).toMatchObject({ status: 404, errorCode: 'NOT_FOUND', instance: '/x', traceId: 't' });
    expect(a.type).toMatch(/NOT_FOUND|not-found/i);
    expect(buildProblem(input).errorTicket).not.toBe(a.errorTicket);
  });
});

describe('problem bodies are bounded and always serialisable', () => {
  it(`lists at most ${MAX_PROBLEM_ERRORS} errors and counts the rest`, () => {
    const errors = Array.from({ length: 250 }, (_, index) => ({ index }));
    const body = buildProblem({
      status: 400,
      code: 'INVALID_REQUEST',
      detail: 'd',
      instance: '/x',
      traceId: 't',
      extensions: { errors },
    });
    expect(body.errors).toEqual(errors.slice(0, MAX_PROBLEM_ERRORS));
    expect(body.errorsOmitted).toBe(250 - MAX_PROBLEM_ERRORS);
  });

  it('answers a minimal problem when an extension member cannot be serialised', async () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    let deep: unknown = 'x';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    const app = Fastify();
    app.setErrorHandler((err, request, reply) => sendProblem(err, request, reply));
    for (const [path, value] of [
      ['/bigint', 10n],
      ['/cycle', cycle],
      ['/deep', deep],
    ] as const) {
      app.get(path, async () => {
        throw new HttpProblem(400, 'INVALID_REQUEST', 'bad', { extensions: { errors: [value] } });
      });
    }
    for (const path of ['/bigint', '/cycle', '/deep']) {
      const res = await app.inject({ method: 'GET', url: path });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      const body = res.json();
      expect(body).toEqual({
        type: 'urn:oc-numbers:problem:invalid-request',
        title: 'Invalid request',
        status: 400,
        detail: 'bad',
        instance: path,
        errorCode: 'INVALID_REQUEST',
        errorTicket: expect.stringMatching(/^ET-[0-9A-F]{12}$/),
        traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
      });
    }
    await app.close();
  });
});
