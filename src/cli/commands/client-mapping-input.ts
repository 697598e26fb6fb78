import { issuerProblem, TENANT_PLACEHOLDER } from '../../config-oidc.ts';
import { operatorSlugProblem } from '../../numbers/operator-slug.ts';
import type { NewClient } from '../../oidc/clients.ts';

// `clients add` options → a mapping, or the reason they do not make one. Light on imports
// (no database driver), so usage errors answer at once.

export interface ClientOptions {
  operator?: string | undefined;
  admin?: boolean | undefined;
  issuer?: string | undefined;
  'client-id'?: string | undefined;
  tenant?: string | undefined;
}

export function clientProblems(values: ClientOptions): NewClient | string {
  const { operator, admin, issuer, tenant } = values;
  const clientId = values['client-id'];
  if (admin && operator !== undefined)
    return '--admin clients belong to no operator: leave out --operator';
  if (!admin && !operator) return '--operator <slug> (or --admin) is required';
  if (!issuer) return '--issuer <iss> is required';
  if (!clientId) return '--client-id <id> is required';
  if (clientId.length > 256) return '--client-id is longer than 256 characters';
  const problem = issuerProblem(issuer);
  if (problem) return `--issuer: ${problem}`;
  // A template stands for every tenant: without a tenant the mapping would span them all.
  if (issuer.includes(TENANT_PLACEHOLDER) && !tenant) {
    return `--tenant <tid> is required with a ${TENANT_PLACEHOLDER} issuer`;
  }
  if (tenant !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(tenant)) {
    return `--tenant "${tenant}" is not a tenant id`;
  }
  const common = { issuer, clientId, tenantId: tenant?.toLowerCase() ?? null };
  if (admin) return { ...common, role: 'admin' };
  const slugProblem = operatorSlugProblem(operator ?? '');
  if (slugProblem) return slugProblem;
  return { ...common, role: 'operator', operatorSlug: operator ?? '' };
}
