import { Queue } from 'bullmq';
import { OPERATION_QUEUE } from '../../../src/queue/operation-queue.ts';
import { REDIS_URL } from '../services.ts';
import type { Scenario } from './scenario.ts';

/** `use` with the scenario's operation queue (BullMQ's view of its jobs), closed afterwards. */
export async function withOperationQueue<T>(
  world: Pick<Scenario, 'prefix'>,
  use: (queue: Queue) => Promise<T>,
): Promise<T> {
  const queue = new Queue(OPERATION_QUEUE, {
    connection: { url: REDIS_URL },
    prefix: world.prefix,
  });
  try {
    return await use(queue);
  } finally {
    await queue.close();
  }
}
