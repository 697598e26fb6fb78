import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { Config } from '../../config.ts';

// A CSV download is cut when it outlives its deadline, or while rows are still being read for
// it, when it moves slower than the minimum rate over a window: a client that reads slowly or
// not at all holds an export slot (and its share of the database's time) for a bounded time.
// A cut closes the connection before the final chunk, so the client sees a truncated download.

export interface DownloadHooks {
  /** Everything was produced, or the download ended early: the export's resources can go. */
  onProduced?: () => void;
}

/**
 * The chunks of `source` as a byte stream for `reply.send`, under `limits`. Bytes count when
 * the stream takes them, which it does only as the client reads (backpressure), give or take
 * the socket's buffers: so the rate seen is the client's.
 */
export function guardedDownload(
  source: AsyncIterable<string> | Iterable<string>,
  reply: FastifyReply,
  limits: Config['exports'],
  hooks: DownloadHooks = {},
): Readable {
  let produced = 0;
  let producing = true;
  let rateCheck: NodeJS.Timeout | undefined;
  const endProduction = () => {
    if (!producing) return;
    producing = false;
    clearInterval(rateCheck);
    hooks.onProduced?.();
  };
  async function* counted() {
    try {
      for await (const chunk of source) {
        produced += Buffer.byteLength(chunk);
        yield chunk;
      }
    } finally {
      endProduction();
    }
  }
  const stream = Readable.from(counted(), { objectMode: false });
  const cut = (reason: string) => {
    if (reply.raw.writableFinished || reply.raw.destroyed) return;
    reply.log.warn({ reason, bytes: produced }, 'CSV download cut');
    reply.raw.destroy();
  };
  const deadline = setTimeout(
    () => cut(`not done within ${limits.deadlineMs} ms`),
    limits.deadlineMs,
  ).unref();
  const minBytes = (limits.minBytesPerS * limits.rateWindowMs) / 1000;
  let atLastCheck = 0;
  rateCheck = setInterval(() => {
    const moved = produced - atLastCheck;
    atLastCheck = produced;
    if (minBytes > 0 && moved < minBytes) {
      cut(`${moved} bytes in ${limits.rateWindowMs} ms, under ${limits.minBytesPerS} bytes/s`);
    }
  }, limits.rateWindowMs).unref();
  // The deadline runs until everything is handed to the socket (`finish`) or the connection
  // ends; after that the HTTP connection timeout covers a client that stops reading the rest.
  const done = () => {
    clearTimeout(deadline);
    endProduction();
  };
  reply.raw.once('finish', done);
  reply.raw.once('close', done);
  // A stream destroyed before its first read never runs the generator's finally.
  stream.once('close', endProduction);
  return stream;
}
