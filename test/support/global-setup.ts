import '../../src/check-node.mjs';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { MIGRATIONS_FOLDER, migrateDatabase } from '../../src/db/migrate.ts';
import { generateClient } from '../contract/generate-client.ts';
import { directDatabaseUrl, PG_ADMIN_URL, REDIS_URL } from './services.ts';

// graphile/worker style: migrate one template database per migration set, then every test
// file clones it (CREATE DATABASE … TEMPLATE), which takes milliseconds.
function templateName(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(MIGRATIONS_FOLDER)
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    hash.update(readFileSync(join(MIGRATIONS_FOLDER, file)));
  }
  return `ocn_tpl_${hash.digest('hex').slice(0, 12)}`;
}

const STALE_AFTER_S = 3600;

export default async function setup(project: TestProject): Promise<void> {
  // Before any file imports it: the contract tests' client, generated from openapi.json.
  await generateClient();
  const sql = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    await sql`select 1`.catch((err: Error) => {
      throw new Error(`Tests need PostgreSQL at ${PG_ADMIN_URL}: ${err.message}`);
    });
    const template = templateName();
    await sql`select pg_advisory_lock(hashtext('oc-numbers:test-template'))`;
    try {
      const [found] = await sql`select 1 from pg_database where datname = ${template}`;
      if (!found) {
        await sql`create database ${sql(`${template}_build`)}`.catch(() => {});
        await migrateDatabase(directDatabaseUrl(`${template}_build`));
        await sql`alter database ${sql(`${template}_build`)} rename to ${sql(template)}`;
      }
    } finally {
      await sql`select pg_advisory_unlock(hashtext('oc-numbers:test-template'))`;
    }
    await dropStaleDatabases(sql);
    project.provide('templateDatabase', template);
  } finally {
    await sql.end({ timeout: 5 });
  }
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new Error(`Tests need Redis at ${REDIS_URL}: ${(err as Error).message}`);
  } finally {
    redis.disconnect();
  }
}

/** Test databases carry their creation time in their name; drop what crashed runs left. */
async function dropStaleDatabases(sql: postgres.Sql): Promise<void> {
  const rows = await sql<{ datname: string }[]>`
    select datname from pg_database where datname like 'ocn_t\\_%'`;
  const now = Date.now() / 1000;
  for (const { datname } of rows) {
    const created = Number(datname.split('_')[2]);
    if (Number.isFinite(created) && now - created > STALE_AFTER_S) {
      await sql`drop database if exists ${sql(datname)} with (force)`.catch(() => {});
    }
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}
