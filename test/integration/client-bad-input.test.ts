import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runClient } from '../support/client-run.ts';
import { createTestDatabase } from '../support/database.ts';
import { createTenant, uniqueE164 } from '../support/factories.ts';
import { forTheFile } from '../support/for-the-file.ts';
import { freePort } from '../support/listening.ts';
import { startService } from '../support/processes.ts';
import { deletePrefix, uniquePrefix } from '../support/redis.ts';
import { REDIS_URL } from '../support/services.ts';

// What an operator gets wrong: each mistake is one line on stderr, the right exit code, and
// never a stack trace. Nothing here needs a worker: no request gets as far as a job.

const s = forTheFile(
  async () => {
    const db = await createTestDatabase();
    const prefix = uniquePrefix('client-bad');
    const dir = await mkdtemp(join(tmpdir(), 'ocn-client-bad-'));
    const api = await startService('api', {
      DATABASE_URL: db.url,
      REDIS_URL,
      QUEUE_PREFIX: prefix,
    });
    const key = (await createTenant(db.db)).apiKey.key;
    const numbersFile = join(dir, 'numbers.txt');
    await writeFile(numbersFile, `${uniqueE164()}\n${uniqueE164()}\n`);
    return { db, prefix, dir, api, url: api.url as string, key, numbersFile };
  },
  async ({ db, prefix, dir, api }) => {
    await api.stop();
    await deletePrefix(prefix).catch(() => {});
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  },
);

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
      ['submit', join(s.dir, 'missing.txt'), '--url', s.url],
      { OCN_API_KEY: s.key },
      2,
      'no such file',
    );
  }, 30_000);

  it('a CSV without the telephoneNumber column: exit 2', async () => {
    const csv = join(s.dir, 'no-column.csv');
    await writeFile(csv, 'number,status\n+14255551212,Active\n');
    await expectOneLine(
      ['submit', csv, '--url', s.url],
      { OCN_API_KEY: s.key },
      2,
      'no telephoneNumber column',
    );
  }, 30_000);

  it('invalid lines without --skip-invalid: listed with line numbers, nothing sent, exit 2', async () => {
    const file = join(s.dir, 'invalid.txt');
    await writeFile(file, `# list\n${uniqueE164()}\n+1 425-555-1212\n`);
    const run = runClient(['submit', file, '--url', s.url], { OCN_API_KEY: s.key });
    expect(await run.exited).toBe(2);
    expect(run.stderrLines()[0]).toMatch(
      /^line 3: \+1 425-555-1212: INVALID_E164: .*did you mean \+14255551212\?/,
    );
    expect(run.stderrLines()[1]).toMatch(/^error: 1 invalid line in /);
  }, 30_000);

  it('no key, and a wrong key: exit 2 and 4', async () => {
    await expectOneLine(['submit', s.numbersFile, '--url', s.url], {}, 2, 'set OCN_API_KEY');
    await expectOneLine(
      ['submit', s.numbersFile, '--url', s.url],
      { OCN_API_KEY: 'ocn_wrong' },
      4,
      '401 UNAUTHORIZED',
    );
  }, 30_000);

  it('a service that is down: retried, then exit 4', async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    await expectOneLine(
      ['submit', s.numbersFile, '--url', down],
      { OCN_API_KEY: s.key, OCN_RETRIES: '2' },
      4,
      'cannot reach',
    );
  }, 30_000);
});
