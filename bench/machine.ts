import os from 'node:os';
import postgres from 'postgres';
import { withDatabase } from './database.ts';

/**
 * What a reader needs to judge the figures: cores, load, versions, and with `reference` the time
 * this machine takes today for two fixed pieces of work. The project's VM is not always as
 * fast (on 2026-12-07 the same re-import ran at 245,679 rows/s one evening and 127,633 at
 * night): figures from different days compare only beside these.
 */
export async function machineInfo(databaseUrl: string, { reference = false } = {}) {
  const sql = postgres(withDatabase(databaseUrl, 'postgres'), { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<
      { version: string }[]
    >`select current_setting('server_version') as version`;
    return {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
      node: process.version,
      postgres: row?.version ?? 'unknown',
      platform: `${os.platform()} ${os.release()}`,
      ...(reference && {
        referenceMs: { nodeLoop: nodeLoopMs(), postgresSeries: await postgresSeriesMs(sql) },
      }),
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** 100M steps of integer arithmetic in JavaScript: the Node side's speed. */
function nodeLoopMs(): number {
  const started = performance.now();
  let x = 0;
  for (let i = 0; i < 100_000_000; i++) x = (x * 31 + i) | 0;
  const ms = performance.now() - started;
  // Used, so the loop cannot be optimised away.
  return x === 0.5 ? -1 : Math.round(ms);
}

/** Counting a 5M-row series in Postgres: one backend's executor speed. */
async function postgresSeriesMs(sql: postgres.Sql): Promise<number> {
  const started = performance.now();
  await sql`select count(*) from generate_series(1, 5000000)`;
  return Math.round(performance.now() - started);
}
