import postgres from 'postgres';
import { CHUNK_GATE_LOCK } from '../../../workers/chunk-gate.ts';

/**
 * Closes the workers' hold point between two chunks (WORKER_TEST_CHUNK_GATE): holds its
 * advisory lock exclusive from a connection of its own, so every worker stops right after a
 * committed chunk, outside any transaction, waiting in pg_locks where the test can see it.
 */
export async function closeChunkGate(databaseUrl: string) {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  const [classId, key] = CHUNK_GATE_LOCK;
  const reserved = await sql.reserve();
  await reserved`select pg_advisory_lock(${classId}::int, ${key}::int)`;
  let open = false;
  return {
    /** Backend pids of the workers that wait at the gate right now. */
    async waiting(): Promise<number[]> {
      // On the reserved connection: it is the pool's only one.
      const rows = await reserved<{ pid: number }[]>`
        select pid from pg_locks
        where locktype = 'advisory' and not granted and classid = ${classId}::oid
          and objid = ${key}::oid and objsubid = 2
          and database = (select oid from pg_database where datname = current_database())`;
      return rows.map((r) => r.pid);
    },
    /** Opens the gate for good (safe to call again, and from `finally`). */
    async open() {
      if (open) return;
      open = true;
      await reserved`select pg_advisory_unlock(${classId}::int, ${key}::int)`.catch(() => {});
      reserved.release();
      await sql.end({ timeout: 5 });
    },
  };
}
