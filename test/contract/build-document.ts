import { buildApp } from '../../src/api/app.ts';
import { closeAppDeps, createAppDeps } from '../../src/api/create-deps.ts';
import { createLogger } from '../../src/logger.ts';
import { testConfig } from '../support/config.ts';
import { deletePrefix, uniquePrefix } from '../support/redis.ts';
import { PG_ADMIN_URL } from '../support/services.ts';
import type { OpenApiDocument } from './document.ts';

/**
 * The OpenAPI document as the app serves it at /openapi.json, built from `buildApp` with a
 * throwaway queue prefix. Nothing listens and nothing is queried: Redis must answer (the queue
 * connects when the deps are made), Postgres is never asked anything.
 */
export async function buildOpenApiDocument(): Promise<OpenApiDocument> {
  const prefix = uniquePrefix('oas-doc');
  const config = testConfig(PG_ADMIN_URL, prefix);
  const deps = await createAppDeps(config, createLogger(config));
  try {
    const app = await buildApp(deps);
    try {
      const answer = await app.inject({ method: 'GET', url: '/openapi.json' });
      if (answer.statusCode !== 200) throw new Error(`/openapi.json answered ${answer.statusCode}`);
      return answer.json();
    } finally {
      await app.close();
    }
  } finally {
    await closeAppDeps(deps);
    await deletePrefix(prefix);
  }
}
