import type { RedisClient } from '../queue/redis.ts';
import type { UploadPlan } from './upload-plan.ts';

// An upload between its preview and its last job: the plan and, per batch, the job that was
// created for it (null until then). Kept in Redis beside the sessions, for as long as a session
// may last, under its operator: another operator's upload id is no upload.

export interface Upload extends UploadPlan {
  id: string;
  operatorId: string;
  createdAt: string;
  jobIds: (string | null)[];
  /** Epoch ms before which the operation budget refused the next batch. */
  waitUntil?: number;
}

export function createUploadStore(redis: RedisClient, keyPrefix: string, ttlMs: number) {
  const key = (id: string) => `${keyPrefix}:${id}`;
  return {
    async save(upload: Upload) {
      await redis.set(key(upload.id), JSON.stringify(upload), 'PX', ttlMs);
    },
    async load(operatorId: string, id: string): Promise<Upload | undefined> {
      const json = await redis.get(key(id));
      const upload = json === null ? undefined : (JSON.parse(json) as Upload);
      return upload?.operatorId === operatorId ? upload : undefined;
    },
  };
}

export type UploadStore = ReturnType<typeof createUploadStore>;
