import type { Database } from '../src/db/client.ts';

// A hold point between two chunks, for tests only (WORKER_TEST_CHUNK_GATE, refused unless
// NODE_ENV=test). Between every two chunks the worker takes this advisory lock shared, in a
// statement of its own outside any transaction, and lets it go at once. A test that holds it
// exclusive stops every job right after a committed chunk, where the worker holds no row and
// no transaction; it sees the wait in pg_locks, and releasing the lock lets the statement end
// on the server even while the worker process is stopped (SIGSTOP).

/** The lock's class and key (`pg_advisory_lock(int4, int4)`), apart from the jobs' queue class. */
export const CHUNK_GATE_LOCK = [0x6f636e74, 0] as const; // "ocnt"

/** The function the job loop awaits between two chunks. */
export function chunkGate(db: Database): () => Promise<void> {
  const [classId, key] = CHUNK_GATE_LOCK;
  return async () => {
    // Outside any transaction, on the pool: the test sees this session wait in pg_locks.
    await db.$client`select pg_advisory_xact_lock_shared(${classId}::int, ${key}::int)`;
  };
}
