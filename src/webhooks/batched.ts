// Adaptive batching for statements many attempts make at once: a call made while none is in
// flight runs at once, alone; calls made while one is in flight wait for it and then go
// together, in one statement. Idle, nothing waits longer than before; saturated, a burst of
// attempts costs one round trip and one commit instead of one each. With `minGapMs`, batches
// also start at least that far apart: a lone call after a quiet spell still runs at once, but
// a steady stream waits up to `minGapMs` and goes in fewer, larger statements (a statement's
// Postgres CPU is mostly its own, whatever its rows: docs/performance.md, "Webhooks").

interface Waiting<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (err: unknown) => void;
}

/**
 * `run` gets the items of one batch and answers with one result per item, in order. A batch
 * that fails fails every call in it (each caller's own error handling, e.g. BullMQ's retry of
 * the job, takes over). `call.all(items)` asks for several items at once: they go in the same
 * batch (up to `maxBatch`), as a delivery job's messages should.
 */
export function batched<I, O>(
  run: (items: I[]) => Promise<O[]>,
  { maxBatch = 250, minGapMs = 0 }: { maxBatch?: number; minGapMs?: number } = {},
) {
  const queue: Waiting<I, O>[] = [];
  let running = false;
  let lastStart = Number.NEGATIVE_INFINITY;
  const drain = async () => {
    running = true;
    while (queue.length > 0) {
      // A loop, not one timer: Node's timers count whole milliseconds and may fire a fraction
      // of one early against performance.now(), which would break the promised gap.
      for (let wait = lastStart + minGapMs - performance.now(); wait > 0; ) {
        await new Promise((resolve) => setTimeout(resolve, Math.ceil(wait)));
        wait = lastStart + minGapMs - performance.now();
      }
      lastStart = performance.now();
      const batch = queue.splice(0, maxBatch);
      try {
        const results = await run(batch.map((w) => w.item));
        batch.forEach((w, i) => {
          w.resolve(results[i] as O);
        });
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    running = false;
  };
  const enqueue = (item: I) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
    });
  const call = (item: I): Promise<O> => {
    const result = enqueue(item);
    if (!running) void drain();
    return result;
  };
  call.all = (items: readonly I[]): Promise<O[]> => {
    const results = Promise.all(items.map(enqueue));
    if (!running) void drain();
    return results;
  };
  return call;
}
