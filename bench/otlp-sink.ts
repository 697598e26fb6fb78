import { once } from 'node:events';
import { createServer } from 'node:http';
import { listenOnLoopback } from '../test/support/loopback.ts';

/**
 * A local OTLP/HTTP trace receiver that accepts and drops what it gets (counting requests and
 * bytes): the service's exporter does all its work (batching, encoding, sending), while no
 * collector's own CPU competes with the service on this small machine.
 */
export async function startOtlpSink() {
  const received = { requests: 0, bytes: 0 };
  const server = createServer((request, response) => {
    request.on('data', (chunk: Buffer) => {
      received.bytes += chunk.length;
    });
    request.on('end', () => {
      received.requests += 1;
      // An empty ExportTraceServiceResponse: everything accepted.
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  const port = await listenOnLoopback(server);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    received,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
