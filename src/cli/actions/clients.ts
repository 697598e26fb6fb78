import type { Database } from '../../db/client.ts';
import {
  addClient,
  type ClientSummary,
  listClients,
  type NewClient,
  removeClient,
} from '../../oidc/clients.ts';
import type { CliIo } from '../context.ts';

export async function clientsAdd(deps: { db: Database; io: CliIo }, input: NewClient) {
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

export async function clientsList(deps: { db: Database; io: CliIo }, operatorSlug?: string) {
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
  for (const row of [header, ...rows]) {
    const cells = row.map((cell, i) => cell.padEnd(widths[i] ?? 0));
    deps.io.stdout.write(`${cells.join('').trimEnd()}\n`);
  }
  return 0;
}

export async function clientsRemove(deps: { db: Database; io: CliIo }, id: string) {
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
