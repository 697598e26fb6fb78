import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postBatch } from '../../src/cli/client/batch.ts';
import { ClientError } from '../../src/cli/client/errors.ts';
import { createApiClient } from '../../src/cli/client/http.ts';
import { Pacer } from '../../src/cli/client/pacing.ts';
import { listenOnLoopback } from '../support/loopback.ts';

// A service that ignores ?dryRun=true answers like a real run: the client must stop rather
// than poll a job it never meant to create, or report moved numbers as "would succeed".
// The service here is a stand-in HTTP server answering what such a service would.

let server: Server;
let answer: { status: number; body: unknown };
let baseUrl: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer.body));
  });
  const port = await listenOnLoopback(server);
  baseUrl = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

const result = (extra: object) => ({
  data: {
    jobId: null,
    requestedCount: 1,
    processedCount: 1,
    successCount: 1,
    failedCount: 0,
    failures: [],
  },
  status: 'success',
  succeeded: true,
  message: '…',
  ...extra,
});

const post = () =>
  postBatch(
    {
      api: createApiClient(baseUrl, 'ocn_test'),
      pacer: new Pacer(),
      retries: 0,
      operation: 'ready-for-removal',
      dryRun: true,
      interrupt: new AbortController().signal,
    },
    ['+14255551212'],
    'unused',
  );

describe('a dry run answered like a real run', () => {
  it('accepts the dry-run answer', async () => {
    answer = { status: 200, body: result({ dryRun: true }) };
    expect(await post()).toMatchObject({ kind: 'ended', jobId: null });
  });

  it('stops on a 200 without "dryRun": true, or on a 202 with a job', async () => {
    for (const body of [result({}), { jobId: 'a3f0c1de-0000-4000-8000-000000000000' }]) {
      answer = { status: 'jobId' in body ? 202 : 200, body };
      const err = await post().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ClientError);
      expect((err as ClientError).message).toMatch(/may have processed the numbers/);
      expect((err as ClientError).exitCode).toBe(4);
    }
  });
});
