import { type Command, PROGRAM, parseCommandArgs, printHelp, UsageError } from '../usage.ts';
import { clientProblems } from './client-mapping-input.ts';

// Descriptors only, as for keys: the actions (and the database driver) load when a command runs.

export const clientsAddCommand: Command = {
  path: ['clients', 'add'],
  summary: 'map an OpenID Connect client to an operator (or to the platform admin role)',
  help: `Usage: ${PROGRAM} clients add --operator <slug> --issuer <iss> --client-id <id> [--tenant <tid>]
       ${PROGRAM} clients add --admin --issuer <iss> --client-id <id> [--tenant <tid>]

Lets the access tokens of a client act for the operator (it must exist), or, with --admin,
as the platform admin role: Bull Board and /metrics, never the operator API. A token's
client is its azp claim, else appid, else sub; its tenant is tid. Tokens are accepted only
from the issuers in OIDC_ISSUERS (docs/operations.md, "OpenID Connect access tokens").

Options:
  --operator <slug>   operator slug
  --admin             map the client to the platform admin role (no --operator)
  --issuer <iss>      the tokens' iss, or a configured {tenantid} template (then --tenant)
  --client-id <id>    the client (application) id
  --tenant <tid>      only tokens of this tenant (tid); required with a {tenantid} issuer
  -h, --help          show this help
`,
  async run(args, ctx) {
    const { values } = parseCommandArgs(
      'clients add',
      args,
      {
        operator: { type: 'string' },
        admin: { type: 'boolean' },
        issuer: { type: 'string' },
        'client-id': { type: 'string' },
        tenant: { type: 'string' },
      },
      false,
    );
    if (values.help) return printHelp(ctx.io, this.help);
    const parsed = clientProblems(values);
    if (typeof parsed === 'string') throw new UsageError(parsed, 'clients add');
    const { clientsAdd } = await import('../actions/clients.ts');
    return ctx.withDb((db) => clientsAdd({ db, io: ctx.io }, parsed));
  },
};

export const clientsListCommand: Command = {
  path: ['clients', 'list'],
  summary: "list the OpenID Connect client mappings (all, or one operator's)",
  help: `Usage: ${PROGRAM} clients list [--operator <slug>]

Lists the client mappings: id (for "clients remove"), operator (or admin), issuer, client id,
tenant and creation time.

Options:
  --operator <slug>  only this operator's clients
  -h, --help         show this help
`,
  async run(args, ctx) {
    const { values } = parseCommandArgs(
      'clients list',
      args,
      { operator: { type: 'string' } },
      false,
    );
    if (values.help) return printHelp(ctx.io, this.help);
    const { clientsList } = await import('../actions/clients.ts');
    return ctx.withDb((db) => clientsList({ db, io: ctx.io }, values.operator));
  },
};

export const clientsRemoveCommand: Command = {
  path: ['clients', 'remove'],
  summary: 'remove an OpenID Connect client mapping by its id',
  help: `Usage: ${PROGRAM} clients remove <id>

Removes the mapping with this id (as printed by "clients add" and "clients list"). Running
services stop accepting the client's tokens within seconds (they cache mappings briefly).
Jobs the client created keep naming it.

Options:
  -h, --help  show this help
`,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs('clients remove', args, {}, true);
    if (values.help) return printHelp(ctx.io, this.help);
    const [id, ...extra] = positionals;
    if (!id) throw new UsageError('the mapping id is required', 'clients remove');
    if (extra.length > 0) {
      throw new UsageError(`unexpected argument "${extra[0]}"`, 'clients remove');
    }
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
      throw new UsageError(`"${id}" is not a mapping id (a UUID)`, 'clients remove');
    }
    const { clientsRemove } = await import('../actions/clients.ts');
    return ctx.withDb((db) => clientsRemove({ db, io: ctx.io }, id.toLowerCase()));
  },
};
