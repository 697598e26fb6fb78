import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { jobs } from '../../src/db/tables.ts';
import { addClient } from '../../src/oidc/clients.ts';
import { runClient } from '../support/client-run.ts';
import { useClientService } from '../support/client-service.ts';
import { createMarkedNumbers, createTenant } from '../support/factories.ts';
import { forTheFile } from '../support/for-the-file.ts';
import { startTestIssuer } from '../support/oidc-issuer.ts';
import { recordingProxy } from '../support/recording-proxy.ts';

// The bulk client with an OpenID Connect access token (docs/cli.md): --token-file is read
// again before every request, so a refresher that rewrites the file mid-run is picked up at
// the next request, against the real API process checking tokens of a real issuer.

const AUDIENCE = 'api://oc-numbers-client';
const idp = forTheFile(startTestIssuer, (issuer) => issuer.stop());
const svc = useClientService('client-token', () => ({
  OIDC_ISSUERS: idp.url,
  OIDC_AUDIENCE: AUDIENCE,
}));

describe('submit --token-file', () => {
  it('sends the token the file holds at each request, rotated mid-run', async () => {
    const key = await idp.addKey('RS256');
    const tenant = await createTenant(svc.db.db);
    const [first, second] = [randomUUID(), randomUUID()];
    for (const clientId of [first, second]) {
      const operator = { role: 'operator', operatorSlug: tenant.operator.slug } as const;
      await addClient(svc.db.db, { ...operator, issuer: idp.url, clientId, tenantId: null });
    }
    const tokenOf = (clientId: string) =>
      idp.mint(key, { claims: { aud: AUDIENCE, azp: clientId } });
    const [tokenA, tokenB] = [await tokenOf(first), await tokenOf(second)];
    const tokenFile = join(svc.dir, 'token');
    await writeFile(tokenFile, `${tokenA}\n`);
    // An external refresher, as the proxy sees the first batch go by: the file now holds B.
    const proxy = await recordingProxy(svc.url, (request) => {
      if (request.method === 'POST') writeFileSync(tokenFile, `${tokenB}\n`);
      return undefined;
    });
    try {
      const numbers = await createMarkedNumbers(svc.db.db, tenant, 1000);
      const input = join(svc.dir, 'numbers.txt');
      await writeFile(input, `${numbers.join('\n')}\n`);
      const run = runClient(
        ['submit', input, '--url', proxy.url, '--token-file', tokenFile, '--json'],
        {},
      );
      expect(await run.exited).toBe(0);
      expect(JSON.parse(run.stdout())).toMatchObject({ batches: 2, submitted: 2 });

      const sent = proxy.posts().map((r) => r.headers.authorization);
      expect(sent).toEqual([`Bearer ${tokenA}`, `Bearer ${tokenB}`]);
      const host = new URL(idp.url).host;
      const rows = await svc.db.db
        .select({ client: jobs.clientPrincipal })
        .from(jobs)
        .where(inArray(jobs.operatorId, [tenant.operator.id]));
      expect(rows.map((r) => r.client).sort()).toEqual(
        [`client:${host}/${first}`, `client:${host}/${second}`].sort(),
      );
    } finally {
      await proxy.close();
    }
  });

  it('refuses a missing token file, and both a key and a token, before sending anything', async () => {
    const input = join(svc.dir, 'one.txt');
    await writeFile(input, '+12065550100\n');
    const missing = runClient(
      ['submit', input, '--url', svc.url, '--token-file', join(svc.dir, 'none')],
      {},
    );
    expect(await missing.exited).toBe(2);
    const both = runClient(['submit', input, '--url', svc.url], {
      OCN_API_KEY: 'ocn_x',
      OCN_TOKEN: 'a.b.c',
    });
    expect(await both.exited).toBe(2);
    expect(both.stderrLines().join('\n')).toContain('not both');
  });
});
