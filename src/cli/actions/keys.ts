import type { Database } from '../../db/client.ts';
import { listAdminKeys, listApiKeys, revokeApiKey } from '../../keys/admin.ts';
import { createApiKey, type NewKeyRequest } from '../../keys/create.ts';
import type { CliIo } from '../context.ts';

export async function keysCreate(
  deps: { db: Database; io: CliIo },
  input: NewKeyRequest,
): Promise<number> {
  const created = await createApiKey(deps.db, input);
  const { stdout, stderr } = deps.io;
  if (created.operatorCreated) stderr.write(`Created operator "${created.operatorSlug}".\n`);
  // The key alone on the first line, so scripts can take it with `head -n 1`.
  stdout.write(`${created.key}\n`);
  stdout.write(`prefix:   ${created.prefix}\nrole:     ${created.role}\n`);
  stdout.write(`operator: ${created.operatorSlug ?? '(none: admin keys belong to no operator)'}\n`);
  stderr.write('Store this key now: it is shown only once and only its hash is kept.\n');
  return 0;
}

/** The keys of the operator `operatorSlug`, or the admin keys when it is null. */
export async function keysList(deps: { db: Database; io: CliIo }, operatorSlug: string | null) {
  const keys =
    operatorSlug === null ? await listAdminKeys(deps.db) : await listApiKeys(deps.db, operatorSlug);
  if (!keys) {
    deps.io.stderr.write(`error: operator "${operatorSlug}" not found\n`);
    return 1;
  }
  if (keys.length === 0) {
    const owner =
      operatorSlug === null
        ? 'There are no admin keys'
        : `Operator "${operatorSlug}" has no API keys`;
    deps.io.stdout.write(`${owner}.\n`);
    return 0;
  }
  const rows = keys.map((k) => [
    k.prefix,
    k.role,
    k.createdAt.toISOString(),
    k.revokedAt?.toISOString() ?? '-',
  ]);
  const widths = [14, 10, 26];
  for (const row of [['PREFIX', 'ROLE', 'CREATED', 'REVOKED'], ...rows]) {
    const cells = row.map((cell, i) => cell.padEnd(widths[i] ?? 0));
    deps.io.stdout.write(`${cells.join('').trimEnd()}\n`);
  }
  return 0;
}

export async function keysRevoke(deps: { db: Database; io: CliIo }, prefix: string) {
  const result = await revokeApiKey(deps.db, prefix);
  const { stdout, stderr } = deps.io;
  switch (result.kind) {
    case 'not-found':
      stderr.write(`error: no API key has the prefix "${prefix}"\n`);
      return 1;
    case 'ambiguous':
      stderr.write(`error: ${result.count} keys share the prefix "${prefix}"; nothing revoked\n`);
      return 1;
    case 'already-revoked':
      stdout.write(
        `Key ${prefix} ${ownerOf(result.operatorSlug)} was already revoked at ${result.revokedAt.toISOString()}.\n`,
      );
      return 0;
    case 'revoked':
      stdout.write(
        `Revoked key ${prefix} ${ownerOf(result.operatorSlug)}. Running services stop accepting it within seconds (they cache keys briefly).\n`,
      );
      return 0;
  }
}

const ownerOf = (operatorSlug: string | null) =>
  operatorSlug === null ? '(admin)' : `of operator "${operatorSlug}"`;
