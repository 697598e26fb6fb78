import type { Database } from '../db/client.ts';
import { apiKeys, operators } from '../db/tables.ts';
import { operatorSlugProblem } from '../numbers/operator-slug.ts';
import { generateApiKey } from './api-key.ts';

export type ApiKeyRole = 'operator' | 'admin';

/** An operator key for that operator, or a platform admin key, which belongs to no operator. */
export type NewKeyRequest = { role: 'operator'; operatorSlug: string } | { role: 'admin' };

export interface CreatedApiKey {
  /** The secret itself: returned once, never stored (only its SHA-256 is). */
  key: string;
  prefix: string;
  role: ApiKeyRole;
  /** The key's operator; null for an admin key. */
  operatorSlug: string | null;
  /** True when the operator did not exist and was created with the key. */
  operatorCreated: boolean;
}

export class InvalidOperatorSlugError extends Error {
  override name = 'InvalidOperatorSlugError';
}

/**
 * Creates an API key. An operator key belongs to the operator `operatorSlug`, which is created
 * first when it is new; an admin key belongs to no operator.
 */
export async function createApiKey(db: Database, input: NewKeyRequest): Promise<CreatedApiKey> {
  const generated = generateApiKey();
  const stored = { prefix: generated.prefix, keyHash: generated.hash, role: input.role };
  const shown = { key: generated.key, prefix: generated.prefix, role: input.role };
  if (input.role === 'admin') {
    await db.insert(apiKeys).values({ ...stored, operatorId: null });
    return { ...shown, operatorSlug: null, operatorCreated: false };
  }
  const problem = operatorSlugProblem(input.operatorSlug);
  if (problem) throw new InvalidOperatorSlugError(problem);
  return db.transaction(async (tx) => {
    const [created] = await tx
      .insert(operators)
      .values({ slug: input.operatorSlug })
      .onConflictDoNothing({ target: operators.slug })
      .returning({ id: operators.id });
    const operatorId =
      created?.id ??
      (
        await tx.query.operators.findFirst({
          columns: { id: true },
          where: (o, { eq }) => eq(o.slug, input.operatorSlug),
        })
      )?.id;
    if (!operatorId)
      throw new Error(`operator ${input.operatorSlug} vanished while creating a key`);
    await tx.insert(apiKeys).values({ ...stored, operatorId });
    return { ...shown, operatorSlug: input.operatorSlug, operatorCreated: created !== undefined };
  });
}
