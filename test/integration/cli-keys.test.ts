import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { createKeyAuthenticator } from '../../src/keys/authenticate.ts';
import { cli } from '../support/cli-harness.ts';
import { useTestDatabase } from '../support/database.ts';
import { directDatabaseUrl, PG_ADMIN_URL } from '../support/services.ts';

const t = useTestDatabase();

const slug = () => `op-${randomBytes(4).toString('hex')}`;

async function createKey(operator: string, ...flags: string[]) {
  const run = await cli(t.url, ['keys', 'create', '--operator', operator, ...flags]);
  expect(run.code).toBe(0);
  const [key, prefixLine, roleLine] = run.stdout.split('\n');
  return { ...run, key: key as string, prefix: prefixLine?.split(/\s+/)[1] as string, roleLine };
}

describe('keys create', () => {
  it('prints the key once, creates the operator, and stores no plaintext', async () => {
    const operator = slug();
    const created = await createKey(operator);
    expect(created.key).toMatch(/^ocn_[A-Za-z0-9_-]{43}$/);
    expect(created.prefix).toBe(created.key.slice(0, 12));
    expect(created.roleLine).toMatch(/^role:\s+operator$/);
    expect(created.stderr).toContain(`Created operator "${operator}"`);

    // Every text-like column of api_keys, whatever the schema grows to: no key in any of them.
    const columns = await t.sql<{ column_name: string }[]>`
      select column_name from information_schema.columns
      where table_name = 'api_keys' and data_type in ('text', 'character varying', 'jsonb', 'json')`;
    expect(columns.length).toBeGreaterThan(0);
    for (const { column_name } of columns) {
      const [hit] = await t.sql`
        select 1 from api_keys where ${t.sql(column_name)}::text like ${`%${created.key.slice(12)}%`}`;
      expect(hit, `api_keys.${column_name} holds the key`).toBeUndefined();
    }

    const principal = await createKeyAuthenticator(t.db, 0).authenticate(created.key);
    expect(principal).toMatchObject({ role: 'operator' });
  });

  it('reuses an existing operator', async () => {
    const operator = slug();
    const first = await createKey(operator);
    const second = await createKey(operator);
    expect(second.stderr).not.toContain('Created operator');
    const auth = createKeyAuthenticator(t.db, 0);
    const [a, b] = [await auth.authenticate(first.key), await auth.authenticate(second.key)];
    expect(b?.operatorId).toBe(a?.operatorId);
  });

  it('makes platform admin keys that belong to no operator, and revokes them', async () => {
    const run = await cli(t.url, ['keys', 'create', '--admin']);
    expect(run.code).toBe(0);
    const [key, prefixLine, roleLine, operatorLine] = run.stdout.split('\n');
    expect(roleLine).toMatch(/^role:\s+admin$/);
    expect(operatorLine).toMatch(/^operator:\s+\(none/);
    const principal = await createKeyAuthenticator(t.db, 0).authenticate(key as string);
    expect(principal).toMatchObject({ role: 'admin', operatorId: null });
    const prefix = prefixLine?.split(/\s+/)[1] as string;
    const [row] = await t.sql<{ operator_id: string | null }[]>`
      select operator_id from api_keys where prefix = ${prefix}`;
    expect(row?.operator_id).toBeNull();
    const listed = await cli(t.url, ['keys', 'list', '--admin']);
    expect(listed.stdout).toMatch(new RegExp(`^${prefix}\\s+admin\\s+\\S+Z\\s+-$`, 'm'));
    expect(await cli(t.url, ['keys', 'revoke', prefix])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining(`Revoked key ${prefix} (admin)`),
    });
    expect(await createKeyAuthenticator(t.db, 0).authenticate(key as string)).toBeNull();

    const both = await cli(t.url, ['keys', 'create', '--admin', '--operator', slug()]);
    expect(both).toMatchObject({ code: 2, stderr: expect.stringContaining('no operator') });
  });

  it('the schema keeps admin keys operator-less and operator keys with an operator', async () => {
    const operator = (await createKey(slug())).key;
    const [owner] = await t.sql<{ operator_id: string }[]>`
      select operator_id from api_keys where key_hash is not null and role = 'operator' limit 1`;
    expect(operator).toBeTruthy();
    const insert = (role: string, operatorId: string | null) =>
      t.sql`insert into api_keys (operator_id, prefix, key_hash, role)
            values (${operatorId}, 'ocn_x', ${randomBytes(16).toString('hex')}, ${role})`;
    await expect(insert('admin', owner?.operator_id ?? null)).rejects.toMatchObject({
      code: '23514',
    });
    await expect(insert('operator', null)).rejects.toMatchObject({ code: '23514' });
  });

  it('rejects bad command lines with exit code 2', async () => {
    expect((await cli(t.url, ['keys', 'create'])).code).toBe(2);
    const unknown = await cli(t.url, ['keys', 'create', '--operator', 'x', '--bogus']);
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining("'--bogus'") });
    const badSlug = await cli(t.url, ['keys', 'create', '--operator', 'Not A Slug']);
    expect(badSlug).toMatchObject({ code: 2, stderr: expect.stringContaining('not a valid slug') });
    const [{ n }] =
      (await t.sql`select count(*)::int as n from operators where slug = 'Not A Slug'`) as [
        { n: number },
      ];
    expect(n).toBe(0);
  });

  it('prints a configuration error and exits 1', async () => {
    const run = await cli(t.url, ['keys', 'create', '--operator', 'x'], {
      env: { DATABASE_URL: 'mysql://nope', RATE_LIMIT_MAX: 'lots' },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('DATABASE_URL');
    expect(run.stderr).toContain('RATE_LIMIT_MAX');
  });
});

describe('keys list and revoke', () => {
  it('lists prefixes and roles, never hashes; a revoked key stops authenticating', async () => {
    const operator = slug();
    const key = await createKey(operator);
    await createKey(operator);
    const listed = await cli(t.url, ['keys', 'list', '--operator', operator]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${key.prefix}\\s+operator\\s+\\S+Z\\s+-$`, 'm'));
    const [row] = await t.sql<
      { key_hash: string }[]
    >`select key_hash from api_keys where prefix = ${key.prefix}`;
    expect(listed.stdout).not.toContain(row?.key_hash);

    const revoked = await cli(t.url, ['keys', 'revoke', key.prefix]);
    expect(revoked).toMatchObject({
      code: 0,
      stdout: expect.stringContaining(`Revoked key ${key.prefix}`),
    });
    expect(await createKeyAuthenticator(t.db, 0).authenticate(key.key)).toBeNull();
    const again = await cli(t.url, ['keys', 'revoke', key.prefix]);
    expect(again).toMatchObject({ code: 0, stdout: expect.stringContaining('already revoked') });
    const after = await cli(t.url, ['keys', 'list', '--operator', operator]);
    expect(after.stdout).toMatch(new RegExp(`^${key.prefix}\\s+operator\\s+\\S+Z\\s+\\S+Z$`, 'm'));
  });

  it('reports unknown operators and prefixes with exit code 1', async () => {
    expect(await cli(t.url, ['keys', 'list', '--operator', 'no-such-operator'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('not found'),
    });
    expect((await cli(t.url, ['keys', 'revoke', 'ocn_00000000'])).code).toBe(1);
    expect((await cli(t.url, ['keys', 'revoke'])).code).toBe(2);
  });
});

describe('db migrate and help', () => {
  it('creates a missing database and migrates it; running it again changes nothing', async () => {
    const name = `ocn_t_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
    // The migrate step runs against Postgres itself, never through a pooler.
    const url = directDatabaseUrl(name);
    try {
      expect((await cli(url, ['db', 'migrate'])).code).toBe(0);
      const second = await cli(url, ['db', 'migrate']);
      expect(second).toMatchObject({
        code: 0,
        stdout: expect.stringContaining(`Database ${name}`),
      });
      const sql = postgres(url, { max: 1, onnotice: () => {} });
      const [{ n }] = (await sql`select count(*)::int as n from drizzle.__drizzle_migrations`) as [
        { n: number },
      ];
      await sql.end();
      expect(n).toBeGreaterThan(0);
    } finally {
      const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
      await admin`drop database if exists ${admin(name)} with (force)`;
      await admin.end();
    }
  });

  it('has help at every level and rejects unknown commands with exit code 2', async () => {
    const top = await cli(t.url, ['--help']);
    expect(top.code).toBe(0);
    for (const command of [
      'keys create',
      'keys list',
      'keys revoke',
      'numbers import',
      'db migrate',
    ]) {
      expect(top.stdout).toContain(command);
      const help = await cli(t.url, [...command.split(' '), '--help']);
      expect(help).toMatchObject({
        code: 0,
        stdout: expect.stringContaining(`Usage: npm run cli -- ${command}`),
      });
    }
    expect((await cli(t.url, ['keys', '--help'])).stdout).toContain('keys revoke');
    expect((await cli(t.url, [])).code).toBe(2);
    expect((await cli(t.url, ['nope'])).code).toBe(2);
    expect((await cli(t.url, ['keys', 'nope'])).code).toBe(2);
    expect((await cli(t.url, ['keys'])).code).toBe(2);
  });
});
