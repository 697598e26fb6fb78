import { randomUUID } from 'node:crypto';
import fastifyHelmet from '@fastify/helmet';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { fastifyTrustProxy } from '../config-trust-proxy.ts';
import { registerConsole } from '../console/index.ts';
import { BODY_LIMIT_BYTES } from '../domain/limits.ts';
import { OPERATIONS, type OperationName } from '../domain/operations.ts';
import { createJobService } from '../jobs/service.ts';
import { createNumberService } from '../numbers/service.ts';
import { tracingOn } from '../telemetry/state.ts';
import { untracedPath } from '../telemetry/untraced-paths.ts';
import { registerWebhookRoutes } from '../webhooks/routes.ts';
import { createWebhookService } from '../webhooks/service.ts';
import { createAuthHook } from './auth/bearer.ts';
import { createFailureBudget } from './auth/failure-budget.ts';
import { createOperationBudget, type OperationBudget } from './budgets/operation-budget.ts';
import { rateLimitKeys } from './budgets/rate-limit.ts';
import { createReadBudget, spendReadBudget } from './budgets/read-budget.ts';
import type { AppDeps } from './deps.ts';
import { sendProblem } from './http/error-handler.ts';
import { warnIfForwardedUntrusted } from './http/forwarded-warning.ts';
import { notFound } from './http/problem.ts';
import { logIncoming, logIncomingInSpan, requestLogController } from './http/request-log.ts';
import { guardShutdown } from './http/shutdown-guard.ts';
import { httpServerOptions } from './http/timeouts.ts';
import { traceIdOf } from './http/trace.ts';
import { registerOpenApi } from './openapi/document.ts';
import { registerOps } from './ops/index.ts';
import { registerJobItemsRoute } from './routes/job-items.ts';
import { registerJobRoutes } from './routes/jobs.ts';
import { registerNumberRoute } from './routes/number.ts';
import { registerNumbersList } from './routes/numbers-list.ts';
import { registerOperationRoute } from './routes/operation.ts';
import { registerRemovalStatusSummary } from './routes/removal-status-summary.ts';

const ROUTER_ERRORS = new Set(['FST_ERR_BAD_URL', 'FST_ERR_MAX_PARAM_LENGTH']);

/** Builds the HTTP app from its dependencies; it does not listen (server.ts does). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    trustProxy: fastifyTrustProxy(config.trustProxy),
    bodyLimit: BODY_LIMIT_BYTES,
    // guardShutdown answers instead, with problem details and Retry-After.
    return503OnClosing: false,
    // Headers, request, keep-alive and socket timeouts: slow and idle clients cannot hold
    // connections (docs/reliability.md, "Slow clients").
    ...httpServerOptions(config.http),
    requestIdHeader: false,
    genReqId: () => randomUUID(),
    // Every request log line carries the trace id next to Fastify's reqId; with tracing on, the
    // logger's mixin adds the active span's ids instead (a binding would repeat the key), except
    // on the paths that are not traced.
    childLoggerFactory: (logger, bindings, options, rawReq) =>
      logger.child(
        tracingOn() && !untracedPath(rawReq.url ?? '/')
          ? bindings
          : { ...bindings, traceId: traceIdOf(rawReq) },
        options,
      ),
    ...requestLogController(tracingOn()),
    // Router errors never reach the error handler: without this, a path parameter over 100
    // characters got Fastify's own 414 JSON and a malformed %-escape its own 400, both with
    // FST_ERR_* codes. A path the router cannot read names nothing that exists: the same 404.
    frameworkErrors: (err, request, reply) => {
      if (tracingOn()) logIncoming(request);
      return sendProblem(ROUTER_ERRORS.has(err.code) ? notFound() : err, request, reply);
    },
  });
  logIncomingInSpan(app, tracingOn());
  guardShutdown(app);
  warnIfForwardedUntrusted(app, config);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((err, request, reply) => sendProblem(err, request, reply));
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      notFound(`No route for ${request.method} ${request.url.split('?')[0]}`),
      request,
      reply,
    ),
  );

  // JSON only (text/plain would otherwise reach the handler): anything else is a 415. An empty
  // JSON body is "no body", which the endpoint reports as BODY_REQUIRED.
  app.removeAllContentTypeParsers();
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') done(null, undefined);
    else parseJson(request, body as string, done);
  });

  await app.register(fastifyHelmet);
  await registerOpenApi(app);
  await registerOps(app, deps);

  const jobs = createJobService(deps);
  const numbers = createNumberService(deps);
  const webhooks = createWebhookService({
    db: deps.db,
    targetRules: { allowPrivate: config.webhooks.allowPrivateTargets },
  });
  // On shutdown, waiting requests answer 202 with their job at once; the job goes on.
  app.addHook('preClose', async () => jobs.releaseAll());
  app.addHook('onClose', async () => jobs.close());

  const authFailures = createFailureBudget(deps.redis, {
    policy: 'auth-failures',
    keyPrefix: rateLimitKeys(config.queuePrefix).authFailures,
    max: config.authFailureLimitMax,
    windowMs: config.rateLimit.windowMs,
  });

  // Each operation has its own budget: a global one and each operator's share of it. The
  // console spends the same ones.
  const operationBudgets = {} as Record<OperationName, OperationBudget>;
  for (const operation of Object.values(OPERATIONS)) {
    operationBudgets[operation.name] = createOperationBudget(deps.redis, config, operation.name);
  }

  await app.register(async (api) => {
    api.decorateRequest('principal', null);
    api.addHook('onRequest', createAuthHook(deps.keys, authFailures));
    // After the auth hook: reads spend their operator's read budget (docs/api.md, "Rate limit").
    api.addHook('onRequest', spendReadBudget(createReadBudget(deps.redis, config)));
    for (const operation of Object.values(OPERATIONS)) {
      const budget = operationBudgets[operation.name];
      registerOperationRoute(api, { deps, jobs, budget }, operation);
    }
    registerJobRoutes(api, jobs);
    registerJobItemsRoute(api, jobs, config.exports);
    registerRemovalStatusSummary(api, numbers);
    registerNumbersList(api, deps, numbers);
    registerNumberRoute(api, numbers);
    registerWebhookRoutes(api, webhooks);
  });
  // The operator console: HTML pages over the same services and budgets (docs/console.md).
  await registerConsole(app, { deps, jobs, numbers, operationBudgets, authFailures });
  return app;
}
