import { describe, expect, it } from 'vitest';
import { createEndpointGate, type Release } from '../../src/webhooks/endpoint-gate.ts';

/** Whether `promise` has settled by the time already-queued microtasks have run. */
async function settled(promise: Promise<unknown> | undefined): Promise<boolean> {
  if (!promise) throw new Error('no slot and no wait: refused');
  let done = false;
  void promise.then(() => {
    done = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('the per-endpoint gate of the delivering worker', () => {
  it('lets `limit` attempts in, `limit` more wait, and refuses the rest', async () => {
    const gate = createEndpointGate(2);
    const running = [gate.enter('a'), gate.enter('a')];
    expect(await Promise.all(running.map(settled))).toEqual([true, true]);
    const waiting = [gate.enter('a'), gate.enter('a')] as Promise<Release>[];
    expect(await Promise.all(waiting.map(settled))).toEqual([false, false]);
    expect(gate.enter('a')).toBeUndefined();
    // Another endpoint is not held up by this one.
    expect(await settled(gate.enter('b') as Promise<Release>)).toBe(true);

    (await running[0])?.();
    expect(await settled(waiting[0] as Promise<Release>)).toBe(true);
    expect(await settled(waiting[1] as Promise<Release>)).toBe(false);
    // A slot released twice frees one slot, not two.
    (await running[0])?.();
    expect(await settled(waiting[1] as Promise<Release>)).toBe(false);
    (await running[1])?.();
    expect(await settled(waiting[1] as Promise<Release>)).toBe(true);
  });

  it('frees the endpoint once its last attempt is done, and `always` ignores the limit', async () => {
    const gate = createEndpointGate(1);
    const first = await gate.enter('a');
    const waiter = gate.enter('a') as Promise<Release>;
    expect(gate.enter('a')).toBeUndefined();
    expect(await settled(gate.enter('a', true) as Promise<Release>)).toBe(true);
    first?.();
    (await waiter)();
    expect(await settled(gate.enter('a') as Promise<Release>)).toBe(false);
  });

  it('gives a job holding a slot another only while one is free and nobody waits', async () => {
    const gate = createEndpointGate(2);
    const held = await gate.enter('a');
    const extra = gate.tryEnter('a');
    expect(extra).toBeDefined();
    expect(gate.tryEnter('a')).toBeUndefined();
    const waiter = gate.enter('a') as Promise<Release>;
    extra?.();
    // The freed slot went to the waiting job, not to another extra one.
    expect(await settled(waiter)).toBe(true);
    expect(gate.tryEnter('a')).toBeUndefined();
    held?.();
    expect(gate.tryEnter('a')).toBeDefined();
  });
});
