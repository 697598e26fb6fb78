import type { Database } from '../../db/client.ts';
import type { NewKeyRequest } from '../../keys/create.ts';
import { operatorSlugProblem } from '../../numbers/operator-slug.ts';
import type { CliIo } from '../context.ts';
import { type Command, PROGRAM, parseCommandArgs, printHelp, UsageError } from '../usage.ts';
import { OWNER_OPTIONS, writeTable } from './owner-options.ts';

// The database code (and its driver) loads when a command runs, so help and usage errors
// answer at once.

export const keysCreateCommand: Command = {
  path: ['keys', 'create'],
  summary: 'create an operator API key (or a platform admin key) and print it once',
  help: `Usage: ${PROGRAM} keys create --operator <slug>
       ${PROGRAM} keys create --admin

Creates an API key for the operator, creating the operator first if it does not exist;
with --admin, a platform admin key instead: it belongs to no operator, opens Bull Board
and /metrics (every operator's jobs) and cannot call the operator API.
The key is printed once, on the first line of stdout; only its SHA-256 hash and its
prefix are stored, so a lost key cannot be shown again: revoke it and create another.

Options:
  --operator <slug>  operator slug: lower-case letters, digits and "-"
  --admin            create a platform admin key (no --operator)
  -h, --help         show this help
`,
  async run(args, ctx) {
    const { values } = parseCommandArgs('keys create', args, OWNER_OPTIONS, false);
    if (values.help) return printHelp(ctx.io, this.help);
    if (values.admin && values.operator !== undefined) {
      throw new UsageError(
        '--admin keys belong to no operator: leave out --operator',
        'keys create',
      );
    }
    let input: NewKeyRequest;
    if (values.admin) input = { role: 'admin' };
    else {
      if (!values.operator) throw new UsageError('--operator <slug> is required', 'keys create');
      const slugProblem = operatorSlugProblem(values.operator);
      if (slugProblem) throw new UsageError(slugProblem, 'keys create');
      input = { role: 'operator', operatorSlug: values.operator };
    }
    return ctx.withDb((db) => keysCreate({ db, io: ctx.io }, input));
  },
};

export const keysListCommand: Command = {
  path: ['keys', 'list'],
  summary: "list an operator's API keys, or the admin keys (prefix, role, created, revoked)",
  help: `Usage: ${PROGRAM} keys list --operator <slug>
       ${PROGRAM} keys list --admin

Lists the operator's API keys (or, with --admin, the platform admin keys): prefix, role,
creation and revocation time. Keys themselves are never stored, so they cannot be listed.

Options:
  --operator <slug>  operator slug
  --admin            the admin keys, which belong to no operator
  -h, --help         show this help
`,
  async run(args, ctx) {
    const { values } = parseCommandArgs('keys list', args, OWNER_OPTIONS, false);
    if (values.help) return printHelp(ctx.io, this.help);
    const operator = values.operator;
    if (values.admin && operator !== undefined) {
      throw new UsageError('give --operator <slug> or --admin, not both', 'keys list');
    }
    if (!values.admin && !operator) {
      throw new UsageError('--operator <slug> (or --admin) is required', 'keys list');
    }
    return ctx.withDb((db) =>
      keysList({ db, io: ctx.io }, values.admin ? null : (operator ?? null)),
    );
  },
};

export const keysRevokeCommand: Command = {
  path: ['keys', 'revoke'],
  summary: 'revoke an API key by its prefix',
  help: `Usage: ${PROGRAM} keys revoke <prefix>

Revokes the API key with this prefix (as printed by "keys create" and "keys list").
Revoking an already revoked key changes nothing.

Options:
  -h, --help  show this help
`,
  async run(args, ctx) {
    const parsed = parseCommandArgs('keys revoke', args, {}, 'the key prefix');
    if (parsed.values.help) return printHelp(ctx.io, this.help);
    return ctx.withDb((db) => keysRevoke({ db, io: ctx.io }, parsed.argument));
  },
};

async function keysCreate(
  deps: { db: Database; io: CliIo },
  input: NewKeyRequest,
): Promise<number> {
  const { createApiKey } = await import('../../keys/create.ts');
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
async function keysList(deps: { db: Database; io: CliIo }, operatorSlug: string | null) {
  const { listAdminKeys, listApiKeys } = await import('../../keys/admin.ts');
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
  writeTable(deps.io.stdout, [['PREFIX', 'ROLE', 'CREATED', 'REVOKED'], ...rows], [14, 10, 26]);
  return 0;
}

async function keysRevoke(deps: { db: Database; io: CliIo }, prefix: string) {
  const { revokeApiKey } = await import('../../keys/admin.ts');
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
