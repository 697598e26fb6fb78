import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { apiKeys } from '../../src/db/tables.ts';
import { createKeyAuthenticator } from '../../src/keys/authenticate.ts';
import { randomKey } from '../support/app.ts';
import { useTestDatabase } from '../support/database.ts';
import { createApiKey, createTenant } from '../support/factories.ts';
import { waitFor } from '../support/wait.ts';

// The key cache under guessing: a flood of random keys never pushes valid keys out, and its
// entries are bounded and expire.

const t = useTestDatabase();

describe('key cache', () => {
  const revoke = (id: string) =>
    t.db.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, id));

  it('keeps valid keys through a flood of more than 10,000 random keys', async () => {
    const tenant = await createTenant(t.db);
    const auth = createKeyAuthenticator(t.db, 600_000);
    expect(await auth.authenticate(tenant.apiKey.key)).toMatchObject({ role: 'operator' });
    // Revoked in the database: from now on only the cache can still answer for it.
    await revoke(tenant.apiKey.id);
    for (let sent = 0; sent < 10_050; sent += 50) {
      const answers = await Promise.all(
        Array.from({ length: 50 }, () => auth.authenticate(randomKey())),
      );
      expect(answers.every((a) => a === null)).toBe(true);
    }
    expect(await auth.authenticate(tenant.apiKey.key)).toMatchObject({
      apiKeyId: tenant.apiKey.id,
    });
  }, 120_000);

  it('is a bounded LRU whose entries expire', async () => {
    const tenant = await createTenant(t.db);
    const keys = [
      tenant.apiKey,
      ...(await Promise.all([1, 2].map(() => createApiKey(t.db, tenant.operator.id)))),
    ];
    const bounded = createKeyAuthenticator(t.db, 600_000, 2);
    for (const k of keys) expect(await bounded.authenticate(k.key)).not.toBeNull();
    const expiring = createKeyAuthenticator(t.db, 300);
    expect(await expiring.authenticate(keys[2]?.key)).not.toBeNull();
    await Promise.all(keys.map((k) => revoke(k.id)));
    // The least recently used of three entries was dropped; the other two are still served.
    expect(await bounded.authenticate(keys[0]?.key)).toBeNull();
    expect(await bounded.authenticate(keys[1]?.key)).not.toBeNull();
    expect(await bounded.authenticate(keys[2]?.key)).not.toBeNull();
    // A revoked key stops working once its entry expires.
    await waitFor('the revoked key to be refused', async () =>
      (await expiring.authenticate(keys[2]?.key)) === null ? true : undefined,
    );
  });
});
