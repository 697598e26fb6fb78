import type { FastifyRequest } from 'fastify';
import { UUID_PATTERN } from '../../domain/limits.ts';
import { HttpProblem } from '../http/problem.ts';

/**
 * `preValidation` hook of the inventory reads. An empty parameter counts as absent, so the
 * documented template `?msTenantId=&acquiredNumberStatus=&PageNumber=1&PageSize=200` works as
 * written; a malformed msTenantId gets the original API's own 400 (not the generic one).
 */
export async function normalizeInventoryQuery(request: FastifyRequest) {
  const query = request.query as Record<string, unknown>;
  for (const [name, value] of Object.entries(query)) {
    if (value === '') delete query[name];
  }
  const tenant = query.msTenantId;
  if (tenant !== undefined && !(typeof tenant === 'string' && UUID_PATTERN.test(tenant))) {
    throw new HttpProblem(400, 'INVALID_TENANT_ID', 'msTenantId has not a Guid format');
  }
}
