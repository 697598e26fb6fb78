import { OPERATIONS, type OperationName } from '../../domain/operations.ts';
import { serviceError } from './errors.ts';
import type { ApiClient } from './http.ts';

/**
 * A service that does not know `dryRun` would ignore the parameter and really process the
 * numbers. So before a dry run the client checks that the service's OpenAPI document declares
 * the parameter on the operation, and refuses otherwise.
 */
export async function assertDryRunSupported(
  api: ApiClient,
  operation: OperationName,
): Promise<void> {
  const path = OPERATIONS[operation].path;
  let declared = false;
  try {
    const answer = await api.request('GET', '/openapi.json');
    const doc = answer.body as {
      paths?: Record<string, { post?: { parameters?: { name?: string; in?: string }[] } }>;
    };
    const parameters = doc?.paths?.[path]?.post?.parameters ?? [];
    declared = parameters.some((p) => p.name === 'dryRun' && p.in === 'query');
  } catch {
    declared = false;
  }
  if (!declared) {
    throw serviceError(
      `the service at ${api.baseUrl} does not declare dry runs for ${operation}; nothing was sent`,
    );
  }
}
