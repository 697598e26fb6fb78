import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitWithin, readResults, runClient } from '../support/client-run.ts';
import { useClientService } from '../support/client-service.ts';
import { createMarkedNumbers, createTenant } from '../support/factories.ts';
import { recordingProxy, type Tamper } from '../support/recording-proxy.ts';

// The API key goes to the --url origin and nowhere else, whatever an answer names. In front of
// the real service sits a proxy that hands the client a Location (or a redirect) on another
// origin; that origin is a second server that records what reaches it, and would even forward
// to the real service, so a client that went there would seem to work.

const svc = useClientService('client-origin');
const JOB_PATH = /^\/api\/v3\/oc\/numbers\/jobs\/[0-9a-f-]{36}$/;

async function scenario(name: string, tamper: (foreign: string) => Tamper) {
  const tenant = await createTenant(svc.db.db);
  const numbers = await createMarkedNumbers(svc.db.db, tenant, 3);
  const file = join(svc.dir, `${name}.txt`);
  await writeFile(file, `${numbers.join('\n')}\n`);
  const foreign = await recordingProxy(svc.url);
  const front = await recordingProxy(svc.url, tamper(foreign.url));
  const out = join(svc.dir, `${name}.csv`);
  const run = runClient(['submit', file, '--url', front.url, '--out', out, '--json'], {
    OCN_API_KEY: tenant.apiKey.key,
  });
  try {
    const code = await exitWithin(run, 20_000);
    return { code, run, foreign: foreign.requests(), rows: await readResults(out), tenant };
  } finally {
    await Promise.all([foreign.close(), front.close()]);
  }
}

const jobIds = async (operatorId: string) =>
  (await svc.db.sql<{ id: string }[]>`select id from jobs where operator_id = ${operatorId}`).map(
    (r) => r.id,
  );

describe('the key stays on the --url origin', () => {
  it('a job Location on another origin is refused: exit 4, the rows UNKNOWN, nothing sent there', async () => {
    const s = await scenario('foreign-location', (foreign) => (_request, answer) => {
      if (answer.status !== 202) return undefined;
      const location = `${foreign}${answer.headers.location}`;
      return { ...answer, headers: { ...answer.headers, location } };
    });
    expect(s.foreign).toEqual([]);
    expect(s.code).toBe(4);
    const errors = s.run.stderrLines().filter((l) => l.startsWith('error: '));
    expect(errors).toEqual([
      expect.stringMatching(
        /pointed to http:\/\/127\.0\.0\.1:\d+, not to the --url origin http:\/\/127\.0\.0\.1:\d+: refused/,
      ),
    ]);
    // The service took the batch; what became of it is for `jobs get` to tell.
    const [jobId] = await jobIds(s.tenant.operator.id);
    expect(s.rows.map((r) => [r.outcome, r.jobId])).toEqual(Array(3).fill(['UNKNOWN', jobId]));
    expect(JSON.parse(s.run.stdout())).toMatchObject({ unknown: 3, exitCode: 4 });
  }, 60_000);

  it('a redirect of the job to another origin is not followed: exit 4, nothing sent there', async () => {
    const s = await scenario('redirect', (foreign) => (request) => {
      if (request.method !== 'GET' || !JOB_PATH.test(request.url)) return undefined;
      const headers = { location: `${foreign}${request.url}` };
      return { status: 307, headers, body: Buffer.from('') };
    });
    expect(s.foreign).toEqual([]);
    expect(s.code).toBe(4);
    const errors = s.run.stderrLines().filter((l) => l.startsWith('error: '));
    expect(errors).toEqual([expect.stringMatching(/answered 307 .*the client follows none/)]);
    expect(s.rows.map((r) => r.outcome)).toEqual(Array(3).fill('UNKNOWN'));
  }, 60_000);
});
