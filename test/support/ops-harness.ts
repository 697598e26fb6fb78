import { Queue, QueueEvents } from 'bullmq';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { AppDeps } from '../../src/api/deps.ts';
import { sendProblem } from '../../src/api/http/error-handler.ts';
import { notFound } from '../../src/api/http/problem.ts';
import { registerOpenApi } from '../../src/api/openapi/document.ts';
import { registerOps } from '../../src/api/ops/index.ts';
import type { Env } from '../../src/config-env.ts';
import { createKeyAuthenticator } from '../../src/keys/authenticate.ts';
import { createLogger } from '../../src/logger.ts';
import { OPERATION_QUEUE } from '../../src/queue/operation-queue.ts';
import { createRedis } from '../../src/queue/redis.ts';
import { checkAnswersOf } from '../contract/checked-answers.ts';
import { testConfig } from './config.ts';
import type { TestDatabase } from './database.ts';

export interface OpsHarness {
  app: FastifyInstance;
  deps: AppDeps;
  close(): Promise<void>;
}

/**
 * Real deps (own database, own queue prefix) around a bare Fastify instance carrying only the
 * ops plugin, the API's error and not-found handlers and compilers, and the OpenAPI document of those routes
 * (every answer of `inject` is checked against it), so the ops surfaces are tested on their own.
 */
export async function buildOpsHarness(
  database: TestDatabase,
  prefix: string,
  overrides: Partial<Record<keyof Env, string>> = {},
  options: { redisUrl?: string } = {},
): Promise<OpsHarness> {
  const config = testConfig(database.url, prefix, overrides);
  const logger = createLogger(config);
  const redis = createRedis(options.redisUrl ?? config.redisUrl, 'fail-fast');
  // An unreachable Redis is the point of some tests; its reconnect errors are expected.
  if (options.redisUrl) redis.on('error', () => {});
  // As createAppDeps does (via queue.waitUntilReady): start with the request-path connection up.
  else if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  const bullRedis = createRedis(config.redisUrl, 'bullmq');
  const queue = new Queue(OPERATION_QUEUE, { connection: bullRedis, prefix });
  const queueEvents = new QueueEvents(OPERATION_QUEUE, {
    connection: config.redisUrl ? { url: config.redisUrl } : {},
    prefix,
  });
  await queueEvents.waitUntilReady();
  const deps: AppDeps = {
    config,
    logger,
    db: database.db,
    redis,
    queue,
    queueEvents,
    keys: createKeyAuthenticator(database.db, 0),
  };
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(sendProblem);
  app.setNotFoundHandler((request, reply) => sendProblem(notFound(), request, reply));
  await registerOpenApi(app);
  await registerOps(app, deps);
  await app.ready();
  checkAnswersOf(app);
  return {
    app,
    deps,
    async close() {
      await app.close();
      await queueEvents.close();
      await queue.close();
      await bullRedis.quit();
      redis.disconnect();
    },
  };
}
