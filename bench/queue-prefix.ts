import { randomBytes } from 'node:crypto';

// A bench run's queue prefix; its keys are removed at the end with the tests' own helper,
// deletePrefixAt (test/support/redis.ts).

export function newQueuePrefix(): string {
  return `ocn-bench-${randomBytes(4).toString('hex')}`;
}
