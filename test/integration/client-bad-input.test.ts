import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { createTenant, uniqueE164 } from '../support/factories.ts';
import { freePort, type ServiceProcess, startApi } from '../support/processes.ts';
import { deletePrefix, uniquePrefix } from '../support/redis.ts';
import { REDIS_URL } from '../support/services.ts';
import { runClient } from './client-harness.ts';

// What an operator gets wrong: each mistake is one line on stderr, the right exit code, and
// never a stack trace. Nothing here needs a worker: no request gets as far as a job.

let db: TestDatabase;
let prefix: string;
let api: ServiceProcess;
let dir: string;
let key: string;
let numbersFile: string;

beforeAll(async () => {
  db = await createTestDatabase();
  prefix = uniquePrefix('client-bad');
  dir = await mkdtemp(join(tmpdir(), 'ocn-client-bad-'));
  api = await startApi({ DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: prefix });
  key = (await createTenant(db.db)).apiKey.key;
  numbersFile = join(dir, 'numbers.txt');
  await writeFile(numbersFile, `${uniqueE164()}\n${uniqueE164()}\n`);
}, 60_000);
afterAll(async () => {
  await api?.stop();
  await deletePrefix(prefix).catch(() => {});
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

async function expectOneLine(
  args: string[],
  env: Record<string, string>,
  code: number,
  text: string,
) {
  const run = runClient(args, env);
  expect(await run.exited).toBe(code);
  const lines = run.stderrLines();
  expect(lines).toEqual([expect.stringContaining(text)]);
  expect(lines[0]).toMatch(/^error: /);
  expect(run.stdout() + lines.join('\n')).not.toMatch(/\n\s+at |Error:/);
}

describe('submit with bad input', () => {
  it('a missing file: exit 2', async () => {
    await expectOneLine(
      ['submit', join(dir, 'missing.txt'), '--url', api.url as string],
      { OCN_API_KEY: key },
      2,
      'no such file',
    );
  }, 30_000);

  it('a CSV without the telephoneNumber column: exit 2', async () => {
    const csv = join(dir, 'no-column.csv');
    await writeFile(csv, 'number,status\n+14255551212,Active\n');
    await expectOneLine(
      ['submit', csv, '--url', api.url as string],
      { OCN_API_KEY: key },
      2,
      'no telephoneNumber column',
    );
  }, 30_000);

  it('invalid lines without --skip-invalid: listed with line numbers, nothing sent, exit 2', async () => {
    const file = join(dir, 'invalid.txt');
    await writeFile(file, `# list\n${uniqueE164()}\n+1 425-555-1212\n`);
    const run = runClient(['submit', file, '--url', api.url as string], { OCN_API_KEY: key });
    expect(await run.exited).toBe(2);
    expect(run.stderrLines()[0]).toMatch(
      /^line 3: \+1 425-555-1212: INVALID_E164: .*did you mean \+14255551212\?/,
    );
    expect(run.stderrLines()[1]).toMatch(/^error: 1 invalid line in /);
  }, 30_000);

  it('no key, and a wrong key: exit 2 and 4', async () => {
    await expectOneLine(
      ['submit', numbersFile, '--url', api.url as string],
      {},
      2,
      'set OCN_API_KEY',
    );
    await expectOneLine(
      ['submit', numbersFile, '--url', api.url as string],
      { OCN_API_KEY: 'ocn_wrong' },
      4,
      '401 UNAUTHORIZED',
    );
  }, 30_000);

  it('a service that is down: retried, then exit 4', async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    await expectOneLine(
      ['submit', numbersFile, '--url', down],
      { OCN_API_KEY: key, OCN_RETRIES: '2' },
      4,
      'cannot reach',
    );
  }, 30_000);
});
