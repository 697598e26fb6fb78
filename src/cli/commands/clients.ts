import type { Database } from '../../db/client.ts';
import { UUID_PATTERN } from '../../domain/limits.ts';
import type { ClientSummary, NewClient } from '../../oidc/clients.ts';
import type { CliIo } from '../context.ts';
import { type Command, PROGRAM, parseCommandArgs, printHelp, UsageError } from '../usage.ts';
import { clientProblems } from './client-mapping-input.ts';
import { OWNER_OPTIONS, writeTable } from './owner-options.ts';

// As for keys: the database code (and its driver) loads when a command runs, so help and usage
// errors answer at once.

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
        ...OWNER_OPTIONS,
        issuer: { type: 'string' },
        'client-id': { type: 'string' },
        tenant: { type: 'string' },
      },
      false,
    );
    if (values.help) return printHelp(ctx.io, this.help);
    const parsed = clientProblems(values);
    if (typeof parsed === 'string') throw new UsageError(parsed, 'clients add');
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
    const parsed = parseCommandArgs('clients remove', args, {}, 'the mapping id');
    if (parsed.values.help) return printHelp(ctx.io, this.help);
    const id = parsed.argument;
    if (!UUID_PATTERN.test(id)) {
      throw new UsageError(`"${id}" is not a mapping id (a UUID)`, 'clients remove');
    }
    return ctx.withDb((db) => clientsRemove({ db, io: ctx.io }, id.toLowerCase()));
  },
};

async function clientsAdd(deps: { db: Database; io: CliIo }, input: NewClient) {
  const { addClient } = await import('../../oidc/clients.ts');
  const result = await addClient(deps.db, input);
  const { stdout, stderr } = deps.io;
  if (result.kind === 'operator-not-found') {
    const slug = input.role === 'operator' ? input.operatorSlug : '';
    stderr.write(
      `error: operator "${slug}" not found (create it with "keys create" or an import)\n`,
    );
    return 1;
  }
  if (result.kind === 'already-mapped') {
    stderr.write(
      'error: this client (issuer, client id, tenant) is already mapped; nothing added\n',
    );
    return 1;
  }
  // The id alone on the first line, so scripts can take it with `head -n 1`.
  stdout.write(`${result.client.id}\n`);
  stdout.write(describe(result.client));
  return 0;
}

async function clientsList(deps: { db: Database; io: CliIo }, operatorSlug?: string) {
  const { listClients } = await import('../../oidc/clients.ts');
  const clients = await listClients(deps.db, operatorSlug);
  if (!clients) {
    deps.io.stderr.write(`error: operator "${operatorSlug}" not found\n`);
    return 1;
  }
  if (clients.length === 0) {
    const owner = operatorSlug ? `Operator "${operatorSlug}" has` : 'There are';
    deps.io.stdout.write(`${owner} no OpenID Connect clients.\n`);
    return 0;
  }
  const rows = clients.map((c) => [
    c.id,
    ownerOf(c),
    c.issuer,
    c.clientId,
    c.tenantId ?? '-',
    c.createdAt.toISOString(),
  ]);
  const header = ['ID', 'OPERATOR', 'ISSUER', 'CLIENT ID', 'TENANT', 'CREATED'];
  const widths = header.map(
    (_, i) => Math.max(...[header, ...rows].map((r) => r[i]?.length ?? 0)) + 2,
  );
  writeTable(deps.io.stdout, [header, ...rows], widths);
  return 0;
}

async function clientsRemove(deps: { db: Database; io: CliIo }, id: string) {
  const { removeClient } = await import('../../oidc/clients.ts');
  const removed = await removeClient(deps.db, id);
  if (!removed) {
    deps.io.stderr.write(`error: no client mapping has the id "${id}"\n`);
    return 1;
  }
  deps.io.stdout.write(
    `Removed client ${removed.clientId} of ${removed.issuer} (${ownerOf(removed)}). Running services stop accepting its tokens within seconds (they cache mappings briefly).\n`,
  );
  return 0;
}

const ownerOf = (client: ClientSummary) =>
  client.operatorSlug === null ? '(admin)' : client.operatorSlug;

function describe(client: ClientSummary): string {
  return [
    `role:      ${client.role}`,
    `operator:  ${client.operatorSlug ?? '(none: admin clients belong to no operator)'}`,
    `issuer:    ${client.issuer}`,
    `client id: ${client.clientId}`,
    `tenant:    ${client.tenantId ?? '(any)'}`,
  ]
    .map((line) => `${line}\n`)
    .join('');
}
