import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Sql } from '../../src/db/client.ts';
import type { DeliveryQueue } from '../../src/webhooks/queue.ts';
import { startRelay } from '../../src/webhooks/relay.ts';
import { waitFor } from '../support/wait.ts';

// The relay's passes (src/webhooks/relay.ts): at least `minGapMs` apart, and `busyGapMs` after a
// pass that found more than one message (jobs ending faster than passes run), so that one
// delivery job carries more of an endpoint's attempts. A stand-in for Postgres answers the
// relay's statements from a script; the passes' start times are what is checked.

const endpointId = randomUUID();
const due = (messages: number) =>
  Array.from({ length: messages }, () => ({
    messageId: randomUUID(),
    endpointId,
    attempts: 0,
    delayMs: 0,
  }));

function scriptedSql(pages: ReturnType<typeof due>[]) {
  const passes: number[] = [];
  const sql = (strings: TemplateStringsArray) => {
    const text = strings.join('?');
    if (text.includes('set relayed_at = null')) {
      return Promise.resolve(Object.assign([], { count: 0 }));
    }
    if (!text.includes('select message_id')) return Promise.resolve([]);
    // A page shorter than the relay's ends its pass: here every page, so a select is a pass.
    passes.push(performance.now());
    return Promise.resolve(pages.shift() ?? []);
  };
  return { sql: sql as unknown as Sql, passes };
}

describe('the relay’s passes', () => {
  it('wait longer after a pass that found several messages than after one that found one', async () => {
    const { sql, passes } = scriptedSql([due(2), due(1), due(1)]);
    const queue = { addBulk: async () => [] } as unknown as DeliveryQueue;
    const relay = startRelay(
      { sql, queue, logger: { warn: () => {} } },
      { intervalMs: 60_000, lostAfterMs: 60_000, minGapMs: 20, busyGapMs: 1000 },
    );
    try {
      await waitFor('the first pass', async () => (passes.length >= 1 ? true : undefined));
      relay.wake();
      await waitFor('the pass after a busy one', async () =>
        passes.length >= 2 ? true : undefined,
      );
      relay.wake();
      await waitFor('the pass after a quiet one', async () =>
        passes.length >= 3 ? true : undefined,
      );
      const [first = 0, second = 0, third = 0] = passes;
      // The gaps are measured from each pass's start, these times at its select a moment later,
      // and Node's timers fire on a millisecond clock: a few milliseconds either way (a run
      // read 998.77 against a bound of 999).
      expect(second - first).toBeGreaterThanOrEqual(990);
      expect(third - second).toBeGreaterThanOrEqual(15);
      expect(third - second).toBeLessThan(second - first);
    } finally {
      await relay.stop();
    }
  });
});
