import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { jobs } from '../../src/db/tables.ts';
import { uniqueE164 } from '../support/factories.ts';
import { useProblemSuite } from '../support/problems.ts';

// Validation of an operation's request (docs/api.md, "Errors"), through the real app (no worker
// needed: a rejected request queues nothing). Authentication and what every problem carries:
// api-problems.test.ts.

const URL = '/api/v3/oc/numbers/action/ready-for-removal';
const { suite, post, problemOf } = useProblemSuite('api-val', URL);

describe('telephone number validation', () => {
  it("accepts the original doc's examples (possible, not necessarily valid numbers)", async () => {
    const res = await post(
      { telephoneNumbers: ['+14255551212', '+14255551213', '+14151231234'] },
      { prefer: 'respond-async' },
    );
    expect(res.statusCode).toBe(202);
  });

  it('lists every bad entry in one 400, with per-entry codes and both indexes of a duplicate', async () => {
    const res = await post({
      telephoneNumbers: [
        '+14255551212',
        '+1425555121',
        '+999123456',
        '14255551212',
        '+1 425-555-1212',
        '+14255551212',
        42,
      ],
    });
    expect(res.statusCode).toBe(400);
    const formatted =
      'must be in E.164 format: a "+", the country calling code and the number, digits only, at most 15 digits; did you mean +14255551212?';
    expect(problemOf(res)).toEqual({
      title: 'Invalid telephone numbers',
      status: 400,
      detail: '6 of 7 telephone numbers are invalid; nothing was processed',
      errorCode: 'INVALID_TELEPHONE_NUMBERS',
      errors: [
        {
          index: 1,
          telephoneNumber: '+1425555121',
          errorCode: 'IMPOSSIBLE_LENGTH',
          detail: '+1425555121 is too short for its country calling code',
        },
        {
          index: 2,
          telephoneNumber: '+999123456',
          errorCode: 'INVALID_COUNTRY_CODE',
          detail: '+999123456 does not start with a known country calling code',
        },
        {
          index: 3,
          telephoneNumber: '14255551212',
          errorCode: 'INVALID_E164',
          detail: formatted,
          suggestion: '+14255551212',
        },
        {
          index: 4,
          telephoneNumber: '+1 425-555-1212',
          errorCode: 'INVALID_E164',
          detail: formatted,
          suggestion: '+14255551212',
        },
        {
          index: 5,
          telephoneNumber: '+14255551212',
          errorCode: 'DUPLICATE_NUMBER',
          detail: '+14255551212 appears more than once: at index 0 and 5',
          indexes: [0, 5],
        },
        {
          // Only strings are echoed.
          index: 6,
          errorCode: 'INVALID_E164',
          detail: 'must be a string in E.164 format',
        },
      ],
    });
  });

  it('refuses empty and oversized lists', async () => {
    const few = await post({ telephoneNumbers: [] });
    expect(few.statusCode).toBe(400);
    expect(problemOf(few)).toMatchObject({ errorCode: 'TOO_FEW_NUMBERS' });
    const many = await post({ telephoneNumbers: Array.from({ length: 501 }, uniqueE164) });
    expect(many.statusCode).toBe(400);
    expect(problemOf(many)).toMatchObject({
      errorCode: 'TOO_MANY_NUMBERS',
      detail: 'telephoneNumbers holds 501 numbers; at most 500 are allowed per request',
      errors: [],
    });
  });

  it('queued nothing for any rejected request', async () => {
    const { db } = suite.t;
    const rows = await db.select().from(jobs).where(eq(jobs.operatorId, suite.tenant.operator.id));
    expect(rows).toHaveLength(1); // the accepted request of the first test only
  });
});

describe('body shape', () => {
  it.each([
    ['null', 'null'],
    ['an empty JSON body', ''],
  ])('%s → 400 BODY_REQUIRED', async (_name, payload) => {
    const res = await post(payload);
    expect(res.statusCode).toBe(400);
    expect(problemOf(res)).toMatchObject({ errorCode: 'BODY_REQUIRED' });
  });

  it('no body at all → 400 BODY_REQUIRED', async () => {
    const res = await post(undefined);
    expect(res.statusCode).toBe(400);
    expect(problemOf(res)).toMatchObject({ errorCode: 'BODY_REQUIRED' });
  });

  it.each([
    ['an array', '["+14255551212"]', ''],
    ['a string', '"+14255551212"', ''],
    ['a number', '42', ''],
    ['an object without telephoneNumbers', '{}', '/telephoneNumbers'],
    ['telephoneNumbers not an array', '{"telephoneNumbers":"+14255551212"}', '/telephoneNumbers'],
  ])('%s → 400 INVALID_BODY', async (_name, payload, pointer) => {
    const res = await post(payload);
    expect(res.statusCode).toBe(400);
    const problem = problemOf(res);
    expect(problem).toMatchObject({ errorCode: 'INVALID_BODY' });
    expect(problem.errors[0].pointer).toBe(pointer);
  });

  it('unknown properties → 400 INVALID_BODY naming each', async () => {
    const res = await post({ telephoneNumbers: ['+14255551212'], force: true, dryRun: 1 });
    expect(res.statusCode).toBe(400);
    expect(problemOf(res)).toEqual({
      title: 'Invalid request body',
      status: 400,
      detail: 'Unknown properties: force, dryRun',
      errorCode: 'INVALID_BODY',
      errors: [
        { pointer: '/force', detail: 'unknown property' },
        { pointer: '/dryRun', detail: 'unknown property' },
      ],
    });
  });

  it('malformed JSON → 400 MALFORMED_JSON', async () => {
    const res = await post('{"telephoneNumbers": ["+14255551212"');
    expect(res.statusCode).toBe(400);
    expect(problemOf(res)).toMatchObject({ errorCode: 'MALFORMED_JSON' });
  });

  it('wrong content type → 415', async () => {
    const res = await suite.api.app.inject({
      method: 'POST',
      url: URL,
      headers: { ...suite.auth, 'content-type': 'text/plain' },
      payload: '{"telephoneNumbers":["+14255551212"]}',
    });
    expect(res.statusCode).toBe(415);
    expect(problemOf(res)).toMatchObject({ errorCode: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('a body over 64 KiB → 413', async () => {
    const res = await post({ telephoneNumbers: ['+14255551212'], pad: 'x'.repeat(65 * 1024) });
    expect(res.statusCode).toBe(413);
    expect(problemOf(res)).toMatchObject({ errorCode: 'PAYLOAD_TOO_LARGE' });
  });
});
