import { describe, expect, it } from 'vitest';
import { createApiKey } from '../support/factories.ts';
import { useProblemSuite } from '../support/problems.ts';

// Authentication's one 401 and what every problem answer carries (docs/api.md, "Errors"),
// through the real app (no worker needed: a refused request queues nothing).

const URL = '/api/v3/oc/numbers/action/ready-for-removal';
const { suite, post, problemOf } = useProblemSuite('api-problems', URL);

describe('authentication and problem details', () => {
  it('one identical 401 for a missing, unknown, malformed or revoked key', async () => {
    const revoked = await createApiKey(suite.t.db, suite.tenant.operator.id, { revoked: true });
    const bodies = [];
    for (const authorization of [
      undefined,
      'Bearer ocn_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      'Basic dXNlcjpwYXNz',
      `Bearer ${revoked.key}`,
    ]) {
      const res = await suite.api.app.inject({
        method: 'POST',
        url: URL,
        headers: authorization ? { authorization } : {},
        payload: { telephoneNumbers: ['+14255551212'] },
      });
      expect(res.statusCode).toBe(401);
      // RFC 6750 §3.1: a bearer credential that was sent and refused is invalid_token.
      const sentBearer = authorization?.startsWith('Bearer ');
      expect(res.headers['www-authenticate']).toBe(
        sentBearer ? 'Bearer error="invalid_token"' : 'Bearer',
      );
      bodies.push(problemOf(res));
    }
    expect(bodies[0]).toEqual({
      title: 'Unauthorized',
      status: 401,
      detail: 'A valid API key or access token is required',
      errorCode: 'UNAUTHORIZED',
    });
    for (const body of bodies) expect(body).toEqual(bodies[0]);
  });

  it('takes the traceId from a W3C traceparent header', async () => {
    const res = await post(
      { telephoneNumbers: [] },
      { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
    );
    expect(JSON.parse(res.body).traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('gives every error answer its own errorTicket', async () => {
    const [a, b] = await Promise.all([post('null'), post('null')]);
    expect(JSON.parse(a?.body ?? '').errorTicket).not.toBe(JSON.parse(b?.body ?? '').errorTicket);
  });

  it('unknown routes → 404 problem details', async () => {
    const res = await suite.get('/api/v3/oc/numbers/nope');
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(JSON.parse(res.body)).toMatchObject({ errorCode: 'NOT_FOUND', status: 404 });
  });
});
