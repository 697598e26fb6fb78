import { Redis } from 'ioredis';
import type postgres from 'postgres';
import { REDIS_URL } from '../services.ts';

// Where a plaintext API key must never end up: the database, Redis (job data) and the logs.

/** Tables (with the column text) in which any of `secrets` occurs. */
export async function secretsInDatabase(sql: postgres.Sql, secrets: readonly string[]) {
  const tables = await sql<{ name: string }[]>`
    select quote_ident(table_schema) || '.' || quote_ident(table_name) as name
    from information_schema.tables
    where table_schema not in ('pg_catalog', 'information_schema') and table_type = 'BASE TABLE'`;
  const found: string[] = [];
  for (const { name } of tables) {
    const rows = await sql.unsafe<{ row: string }[]>(
      `select row_to_json(t)::text as row from ${name} t`,
    );
    for (const { row } of rows) {
      if (secrets.some((s) => row.includes(s))) found.push(`${name}: ${row.slice(0, 200)}`);
    }
  }
  return found;
}

/** Redis keys under `prefix` whose value holds any of `secrets`. */
export async function secretsInRedis(prefix: string, secrets: readonly string[]) {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const found: string[] = [];
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        const text = JSON.stringify(await readKey(redis, key));
        if (secrets.some((s) => text.includes(s) || key.includes(s))) found.push(key);
      }
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
  return found;
}

/** A key's whole value, whatever its type (DUMP would hide text behind LZF compression). */
async function readKey(redis: Redis, key: string): Promise<unknown> {
  switch (await redis.type(key)) {
    case 'string':
      return redis.get(key);
    case 'hash':
      return redis.hgetall(key);
    case 'list':
      return redis.lrange(key, 0, -1);
    case 'set':
      return redis.smembers(key);
    case 'zset':
      return redis.zrange(key, '0', '-1');
    case 'stream':
      return redis.xrange(key, '-', '+');
    default:
      return null;
  }
}
