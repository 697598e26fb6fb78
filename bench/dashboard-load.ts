import { setTimeout as sleep } from 'node:timers/promises';
import type { createHttpClient } from './http-client.ts';
import { e164Of } from './seed.ts';

// Client load for the dashboard picture: paced request loops over fresh marked numbers, each
// request carrying one unknown number and one already moved, as real lists do.

export const READY_PATH = '/api/v3/oc/numbers/action/ready-for-removal';
export const CLEAR_PATH = '/api/v3/oc/action/clear-removal-status';

/** Hands out the seeded numbers in order; each number is sent once as a fresh one. */
export class NumberSupply {
  #next = 0;
  #unknown = 9_000_000;
  readonly #numbers: readonly string[];
  constructor(numbers: readonly string[]) {
    this.#numbers = numbers;
  }

  take(count: number): string[] {
    if (this.#next + count > this.#numbers.length) throw new Error('seeded numbers used up');
    this.#next += count;
    return this.#numbers.slice(this.#next - count, this.#next);
  }

  /** A number that was never seeded: NUMBER_NOT_FOUND. */
  unknown(): string {
    this.#unknown += 1;
    return e164Of(this.#unknown);
  }
}

export interface LoopOptions {
  path: string;
  size: number;
  /** One request about this often (a slower answer delays the next). */
  everyMs: number;
  /** `Prefer: respond-async`: answered 202 at once, the job queued. */
  async?: boolean;
  running(): boolean;
}

/** Answers by HTTP status (0: no answer), across all loops. */
export type Tally = Map<number, number>;

export async function requestLoop(
  client: ReturnType<typeof createHttpClient>,
  supply: NumberSupply,
  tally: Tally,
  options: LoopOptions,
): Promise<void> {
  let previous: string | undefined;
  while (options.running()) {
    const started = Date.now();
    const fresh = supply.take(options.size - 2);
    // The previous request's first number has moved by now (or is being moved): INVALID_STATUS.
    const numbers = [...fresh, supply.unknown(), previous ?? supply.unknown()];
    previous = fresh[0];
    const headers: Record<string, string> = options.async ? { prefer: 'respond-async' } : {};
    // A refused connection counts as status 0 and the loop goes on: the picture shows it.
    const status = await client
      .post(options.path, { telephoneNumbers: numbers }, headers)
      .then((answer) => answer.status)
      .catch(() => 0);
    tally.set(status, (tally.get(status) ?? 0) + 1);
    await sleep(Math.max(0, options.everyMs - (Date.now() - started)));
  }
}
