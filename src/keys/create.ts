import type { Database } from '../db/client.ts';
import { apiKeys, operators } from '../db/schema.ts';
import { operatorSlugProblem } from '../numbers/operator-slug.ts';
import { generateApiKey } from './api-key.ts';

export type ApiKeyRole = 'operator' | 'admin';

export interface CreatedApiKey {
  /** The secret itself: returned once, never stored (only its SHA-256 is). */
  key: string;
  prefix: string;
  role: ApiKeyRole;
  operatorSlug: string;
  /** True when the operator did not exist and was created with the key. */
  operatorCreated: boolean;
}

export class InvalidOperatorSlugError extends Error {}

/** Creates an API key for the operator `slug`, creating the operator first when it is new. */
export async function createApiKeyForOperator(
  db: Database,
  input: { operatorSlug: string; role: ApiKeyRole },
): Promise<CreatedApiKey> {
  const problem = operatorSlugProblem(input.operatorSlug);
  if (problem) throw new InvalidOperatorSlugError(problem);
  const generated = generateApiKey();
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
    await tx.insert(apiKeys).values({
      operatorId,
      prefix: generated.prefix,
      keyHash: generated.hash,
      role: input.role,
    });
    return {
      key: generated.key,
      prefix: generated.prefix,
      role: input.role,
      operatorSlug: input.operatorSlug,
      operatorCreated: created !== undefined,
    };
  });
}
