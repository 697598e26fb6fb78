import type { NewKeyRequest } from '../../keys/create.ts';
import { operatorSlugProblem } from '../../numbers/operator-slug.ts';
import { type Command, PROGRAM, parseCommandArgs, printHelp, UsageError } from '../usage.ts';

// Descriptors only: the operations (and the database driver) load when a command runs, so help
// and usage errors answer at once.

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
    const { values } = parseCommandArgs(
      'keys create',
      args,
      {
        operator: { type: 'string' },
        admin: { type: 'boolean' },
      },
      false,
    );
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
    const { keysCreate } = await import('../actions/keys.ts');
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
    const { values } = parseCommandArgs(
      'keys list',
      args,
      { operator: { type: 'string' }, admin: { type: 'boolean' } },
      false,
    );
    if (values.help) return printHelp(ctx.io, this.help);
    const operator = values.operator;
    if (values.admin && operator !== undefined) {
      throw new UsageError('give --operator <slug> or --admin, not both', 'keys list');
    }
    if (!values.admin && !operator) {
      throw new UsageError('--operator <slug> (or --admin) is required', 'keys list');
    }
    const { keysList } = await import('../actions/keys.ts');
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
    const { values, positionals } = parseCommandArgs('keys revoke', args, {}, true);
    if (values.help) return printHelp(ctx.io, this.help);
    const [prefix, ...extra] = positionals;
    if (!prefix) throw new UsageError('the key prefix is required', 'keys revoke');
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`, 'keys revoke');
    const { keysRevoke } = await import('../actions/keys.ts');
    return ctx.withDb((db) => keysRevoke({ db, io: ctx.io }, prefix));
  },
};
