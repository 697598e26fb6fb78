import { afterAll, describe, expect, it } from 'vitest';
import { waitForJobsEnded } from '../support/invariants.ts';
import { assertProblemAnswers, type Client, createClient } from '../support/scenario/http.ts';
import {
  openConnection,
  parseAnswer,
  type RawConnection,
  trickle,
} from '../support/scenario/raw-socket.ts';
import { checkWorld, createScenario, type Scenario } from '../support/scenario/scenario.ts';
import { ENDPOINT, tenantWithNumbers } from '../support/scenario/tenants.ts';

// Slow clients: 200 connections that never send a byte, one client that sends its body a byte
// a second and one that sends its headers that way, against a real API process with short
// timeouts. They are cut off at their timeouts with a 408 problem, and meanwhile the service
// answers everyone else as usual.

const HEADERS_TIMEOUT_MS = 2000;
const REQUEST_TIMEOUT_MS = 4000;
// Node checks the timeouts every second; the rest is a loaded 2-core machine.
const SLACK_MS = 3000;

let world: Scenario | undefined;
let idle: RawConnection[] = [];
afterAll(async () => {
  for (const conn of idle) conn.socket.destroy();
  await world?.close();
});

describe('slow and idle clients', () => {
  it('cuts them off at the headers and request timeouts and keeps answering others', async () => {
    world = await createScenario('rel-slowcl');
    const [api] = await Promise.all([
      world.api({
        HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
        HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      }),
      world.worker(),
    ]);
    const url = api.url as string;
    const client: Client = createClient(url);
    const t = await tenantWithNumbers(world.db.db, 120);

    idle = await Promise.all(Array.from({ length: 200 }, () => openConnection(url)));
    const body = JSON.stringify({ telephoneNumbers: t.numbers.slice(100) });
    const slowBody = await openConnection(url);
    slowBody.socket.write(
      `POST ${ENDPOINT} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.key}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    const bodyBytes = trickle(slowBody, body, 1000);
    const slowHeaders = await openConnection(url);
    const headerBytes = trickle(slowHeaders, `GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n`, 1000);

    // Everyone else, while those hang on: five synchronous 20-number jobs and liveness probes.
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      const answer = await client.request('POST', ENDPOINT, {
        key: t.key,
        body: { telephoneNumbers: t.numbers.slice(i * 20, i * 20 + 20) },
      });
      latencies.push(Date.now() - started);
      expect(answer.status).toBe(200);
      const probeStarted = Date.now();
      expect((await client.request('GET', '/health/live')).status).toBe(200);
      latencies.push(Date.now() - probeStarted);
    }

    const slowBodyClosedMs = await slowBody.closed;
    const slowHeadersClosedMs = await slowHeaders.closed;
    const idleClosedMs = await Promise.all(idle.map((c) => c.closed));
    const [sentBody, sentHeaders] = await Promise.all([bodyBytes, headerBytes]);

    const timedOut = parseAnswer(slowBody.received(), 'POST', ENDPOINT);
    expect(timedOut.status).toBe(408);
    expect(timedOut.json).toMatchObject({ errorCode: 'REQUEST_TIMEOUT', status: 408 });
    const headersTimedOut = parseAnswer(slowHeaders.received(), 'GET', '/health/live');
    expect(headersTimedOut.status).toBe(408);
    assertProblemAnswers([...client.answers, timedOut, headersTimedOut]);

    expect(slowBodyClosedMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
    expect(slowBodyClosedMs).toBeLessThan(REQUEST_TIMEOUT_MS + SLACK_MS);
    expect(sentBody).toBeLessThan(body.length);
    expect(slowHeadersClosedMs).toBeLessThan(HEADERS_TIMEOUT_MS + SLACK_MS);
    expect(Math.max(...idleClosedMs)).toBeLessThan(HEADERS_TIMEOUT_MS + SLACK_MS);
    expect(Math.min(...idleClosedMs)).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);

    // The cut-off request never reached the endpoint: only the five jobs exist.
    await waitForJobsEnded(world.db.sql, undefined, 30_000);
    const [jobs] = await world.db.sql<{ n: number }[]>`select count(*)::int as n from jobs`;
    expect(jobs?.n).toBe(5);
    await checkWorld(world);

    const sorted = [...latencies].sort((a, b) => a - b);
    console.info(
      `[figure] slow clients: 200 idle closed after ${Math.min(...idleClosedMs)}–${Math.max(...idleClosedMs)} ms ` +
        `(headers timeout ${HEADERS_TIMEOUT_MS}); body at 1 B/s: 408 after ${slowBodyClosedMs} ms and ${sentBody} of ${body.length} bytes ` +
        `(request timeout ${REQUEST_TIMEOUT_MS}); headers at 1 B/s: 408 after ${slowHeadersClosedMs} ms (${sentHeaders} bytes); ` +
        `others meanwhile: 5 sync jobs + 5 probes all 200, p50 ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted.at(-1)} ms`,
    );
  }, 90_000);
});
