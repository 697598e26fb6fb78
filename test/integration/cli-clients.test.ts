import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_KEY_TIMINGS } from '../../src/oidc/issuer-keys.ts';
import { createTokenAuthenticator } from '../../src/oidc/token-authenticator.ts';
import { createTokenVerifier } from '../../src/oidc/verify-token.ts';
import { cli } from '../support/cli-harness.ts';
import { useTestDatabase } from '../support/database.ts';
import { startTestIssuer, type TestIssuer, type TestKey } from '../support/oidc-issuer.ts';

// `clients add|list|remove`: mappings made on the command line, checked by what a
// real token of the mapped client authenticates as.

const t = useTestDatabase();
const AUDIENCE = 'api://oc-numbers-cli';
let issuer: TestIssuer;
let key: TestKey;
let authenticate: ReturnType<typeof createTokenAuthenticator>;

beforeAll(async () => {
  issuer = await startTestIssuer();
  key = await issuer.addKey('ES256');
  const config = {
    issuers: [issuer.url, issuer.template],
    audience: AUDIENCE,
    algorithms: ['ES256'],
  };
  authenticate = createTokenAuthenticator(
    t.db,
    createTokenVerifier(config, DEFAULT_KEY_TIMINGS),
    0,
  );
});
afterAll(() => issuer?.stop());

const slug = () => `op-${randomBytes(4).toString('hex')}`;
async function operator() {
  const name = slug();
  expect((await cli(t.url, ['keys', 'create', '--operator', name])).code).toBe(0);
  return name;
}
const tokenOf = (clientId: string, claims: Record<string, unknown> = {}) =>
  issuer.mint(key, { claims: { aud: AUDIENCE, azp: clientId, ...claims } });

describe('clients', () => {
  it('add maps a client to its operator, list shows it, remove ends it', async () => {
    const name = await operator();
    const clientId = randomUUID();
    expect(await authenticate(await tokenOf(clientId))).toBeNull();
    const args = ['--operator', name, '--issuer', issuer.url, '--client-id', clientId];
    const added = await cli(t.url, ['clients', 'add', ...args]);
    expect(added.code).toBe(0);
    const id = added.stdout.split('\n')[0] as string;
    expect(added.stdout).toContain(`operator:  ${name}`);
    expect(await authenticate(await tokenOf(clientId))).toMatchObject({
      role: 'operator',
      apiKeyId: null,
      client: `client:${new URL(issuer.url).host}/${clientId}`,
    });
    expect(await cli(t.url, ['clients', 'add', ...args])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('already mapped'),
    });

    const listed = await cli(t.url, ['clients', 'list', '--operator', name]);
    expect(listed.stdout).toMatch(
      new RegExp(`^${id}\\s+${name}\\s+\\S+\\s+${clientId}\\s+-\\s+\\S+Z$`, 'm'),
    );
    expect((await cli(t.url, ['clients', 'list'])).stdout).toContain(id);
    expect(
      (await cli(t.url, ['clients', 'list', '--operator', await operator()])).stdout,
    ).toContain('has no OpenID Connect clients');

    expect(await cli(t.url, ['clients', 'remove', id])).toMatchObject({ code: 0 });
    expect(await authenticate(await tokenOf(clientId))).toBeNull();
    expect(await cli(t.url, ['clients', 'remove', id])).toMatchObject({ code: 1 });
  });

  it('an admin client belongs to no operator; a template issuer needs a tenant', async () => {
    const clientId = randomUUID();
    const tid = randomUUID();
    const template = ['--issuer', issuer.template, '--client-id', clientId];
    expect(await cli(t.url, ['clients', 'add', '--admin', ...template])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--tenant <tid> is required'),
    });
    const added = await cli(t.url, ['clients', 'add', '--admin', ...template, '--tenant', tid]);
    expect(added).toMatchObject({ code: 0, stdout: expect.stringContaining('role:      admin') });
    const token = (tenant: string) =>
      tokenOf(clientId, { iss: issuer.tenantIssuer(tenant), tid: tenant });
    expect(await authenticate(await token(tid))).toMatchObject({ role: 'admin', operatorId: null });
    expect(await authenticate(await token(randomUUID()))).toBeNull();
  });

  it('refuses bad command lines before touching the database', async () => {
    const bad = [
      ['clients', 'add', '--issuer', issuer.url, '--client-id', 'x'],
      ['clients', 'add', '--admin', '--operator', 'a', '--issuer', issuer.url, '--client-id', 'x'],
      [
        'clients',
        'add',
        '--operator',
        'a',
        '--issuer',
        'http://idp.example.com',
        '--client-id',
        'x',
      ],
      ['clients', 'add', '--operator', 'a', '--client-id', 'x'],
      ['clients', 'remove', 'not-a-uuid'],
      ['clients', 'remove'],
    ];
    for (const argv of bad)
      expect({ argv, code: (await cli(t.url, argv)).code }).toEqual({ argv, code: 2 });
    const unknown = await cli(t.url, [
      'clients',
      'add',
      '--operator',
      slug(),
      '--issuer',
      issuer.url,
      '--client-id',
      'x',
    ]);
    expect(unknown).toMatchObject({ code: 1, stderr: expect.stringContaining('not found') });
  });
});
