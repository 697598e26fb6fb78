import { expect } from 'vitest';
import { type TestApp, useApiSuite } from './app.ts';

// Requests sent as a client would write them, and the problem details they get back.

export interface Answer {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}

/** POSTs `payload` to `url` as the suite's tenant: a string goes as it is, JSON otherwise. */
export function postRaw(
  suite: { api: TestApp; auth: { authorization: string } },
  url: string,
  payload: string | object | undefined,
  headers: Record<string, string> = {},
) {
  return suite.api.app.inject({
    method: 'POST',
    url,
    headers: {
      ...suite.auth,
      ...(payload !== undefined && { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(payload !== undefined && {
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    }),
  });
}

/**
 * The stable part of a problem answer to a request for `instance`, after checking the parts
 * that vary per answer (ticket, trace id) and that it shows no stack.
 */
export function stableProblem(res: Answer, instance: string) {
  expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  const body = JSON.parse(res.body);
  expect(body.status).toBe(res.statusCode);
  expect(body.instance).toBe(instance);
  expect(body.errorTicket).toMatch(/^ET-[0-9A-F]{12}$/);
  expect(body.traceId).toMatch(/^[0-9a-f]{32}$/);
  expect(body.type).toBe(
    `urn:oc-numbers:problem:${body.errorCode.toLowerCase().replaceAll('_', '-')}`,
  );
  expect(res.body).not.toMatch(/at .*\.ts|node_modules|stack/i);
  const { errorTicket: _t, traceId: _r, type: _y, instance: _i, ...rest } = body;
  return rest;
}

/**
 * An API suite without a worker (a refused request queues nothing) for the problems that POSTs
 * to `url` get back: `post` sends a body as `postRaw` does, `problemOf` is `stableProblem`.
 */
export function useProblemSuite(label: string, url: string) {
  const suite = useApiSuite(label, {}, { worker: false });
  return {
    suite,
    post: (payload: string | object | undefined, headers: Record<string, string> = {}) =>
      postRaw(suite, url, payload, headers),
    problemOf: (res: Answer) => stableProblem(res, url),
  };
}
