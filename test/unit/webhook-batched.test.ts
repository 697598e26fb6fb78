import { describe, expect, it } from 'vitest';
import { batched } from '../../src/webhooks/batched.ts';
import { waitFor } from '../support/wait.ts';

describe('adaptive batching of a statement', () => {
  it('runs a lone call at once, and the calls made meanwhile together after it', async () => {
    const batches: number[][] = [];
    let finish: () => void = () => {};
    const call = batched(async (items: number[]) => {
      batches.push(items);
      if (batches.length === 1) await new Promise<void>((resolve) => (finish = resolve));
      return items.map((n) => n * 10);
    });
    const first = call(1);
    const later = [call(2), call(3), call(4)];
    expect(batches).toEqual([[1]]);
    finish();
    expect(await first).toBe(10);
    expect(await Promise.all(later)).toEqual([20, 30, 40]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('fails every call of a failed batch, and goes on with the next', async () => {
    let fail = true;
    const call = batched(
      async (items: string[]) => {
        if (fail) {
          fail = false;
          throw new Error('database away');
        }
        return items;
      },
      { maxBatch: 2 },
    );
    const results = await Promise.allSettled([call('a'), call('b'), call('c')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(await call('d')).toBe('d');
  });

  it('puts the items of one `all` call in the same batch', async () => {
    const batches: number[][] = [];
    const call = batched(async (items: number[]) => {
      batches.push(items);
      return items.map((n) => -n);
    });
    expect(await call.all([1, 2, 3])).toEqual([-1, -2, -3]);
    const alone = call(4);
    const together = call.all([5, 6]);
    expect(await alone).toBe(-4);
    expect(await together).toEqual([-5, -6]);
    expect(batches).toEqual([[1, 2, 3], [4], [5, 6]]);
  });

  it('starts batches at least minGapMs apart, and a lone call after a quiet spell at once', async () => {
    const starts: { items: number[]; at: number }[] = [];
    const call = batched(
      async (items: number[]) => {
        starts.push({ items, at: performance.now() });
        return items;
      },
      { minGapMs: 100 },
    );
    expect(await call(1)).toBe(1);
    // Made after the first batch ended but within its gap: they wait for the gap, together.
    const later = [call(2), call(3)];
    expect(starts).toHaveLength(1);
    expect(await Promise.all(later)).toEqual([2, 3]);
    const [first, second] = starts;
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(99);
    await waitFor('the gap over', async () =>
      performance.now() - (second?.at ?? 0) >= 100 ? true : undefined,
    );
    const lone = call(4);
    expect(starts.map((s) => s.items)).toEqual([[1], [2, 3], [4]]);
    expect(await lone).toBe(4);
  });
});
