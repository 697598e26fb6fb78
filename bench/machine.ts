import os from 'node:os';
import postgres from 'postgres';
import { withDatabase } from './database.ts';

/** What a reader needs to judge the figures: cores, load, versions. */
export async function machineInfo(databaseUrl: string) {
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
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
