import { createRequire } from 'node:module';
import path from 'node:path';
import fastifyFormbody from '@fastify/formbody';
import fastifyMultipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createReadBudget, spendReadBudget } from '../api/budgets/read-budget.ts';
import { notFound } from '../api/http/problem.ts';
import type { ConsoleContext } from './context.ts';
import { registerSessionCsrf, registerSignInCsrf } from './csrf.ts';
import { renderErrorPage } from './error-page.ts';
import { requireSignedIn } from './guard.ts';
import { registerJobPages } from './routes/job.ts';
import { registerNumberPage } from './routes/number.ts';
import { registerNumbersPages } from './routes/numbers.ts';
import { registerOverview } from './routes/overview.ts';
import { registerSignIn, registerSignOut } from './routes/sign-in.ts';
import { registerUploadPages } from './routes/upload.ts';
import { consoleSecurityHeaders } from './security-headers.ts';
import { CONSOLE_PATH, registerSessions } from './session.ts';
import { MAX_UPLOAD_BYTES } from './upload-plan.ts';

const htmxFile = createRequire(import.meta.url).resolve('htmx.org/dist/htmx.min.js');

/**
 * The operator console (docs/console.md): server-rendered pages under /console, in
 * their own scope of the app (own body parsers, session, CSRF, headers and error pages) over the
 * API's services and budgets. Not part of the OpenAPI document: it answers HTML.
 */
export async function registerConsole(app: FastifyInstance, ctx: ConsoleContext) {
  const { config, redis } = ctx.deps;
  const lifetimes = { idleMs: config.console.sessionIdleMs, maxMs: config.console.sessionMaxMs };
  await app.register(
    async (scope) => {
      // HTML pages are no API operation: out of the OpenAPI document (and its generated client).
      scope.addHook('onRoute', (route) => {
        route.schema = { ...route.schema, hide: true };
      });
      scope.decorateRequest('principal', null);
      scope.addHook('onRequest', consoleSecurityHeaders);
      await scope.register(fastifyFormbody, { bodyLimit: 64 * 1024 });
      await scope.register(fastifyMultipart, {
        attachFieldsToBody: 'keyValues',
        limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 10, fieldSize: MAX_UPLOAD_BYTES },
      });
      await registerSessions(scope, {
        redis,
        keyPrefix: `${config.queuePrefix}:console:session`,
        lifetimes,
      });
      await scope.register(fastifyStatic, {
        root: [path.join(import.meta.dirname, 'assets'), path.dirname(htmxFile)],
        prefix: '/assets/',
        allowedPath: (pathname) => pathname === '/console.css' || pathname === '/htmx.min.js',
        // Assets are the same for everyone (pages are no-store: security-headers.ts).
        maxAge: 3_600_000,
      });
      scope.setErrorHandler((err, request, reply) => renderErrorPage(err, request, reply));
      scope.setNotFoundHandler((request, reply) => renderErrorPage(notFound(), request, reply));

      await scope.register(async (signIn) => {
        await registerSignInCsrf(signIn);
        registerSignIn(signIn, { keys: ctx.deps.keys, failures: ctx.authFailures });
      });
      await scope.register(async (pages) => {
        await registerSessionCsrf(pages);
        pages.addHook('onRequest', requireSignedIn(lifetimes, ctx.deps.keys));
        // After the guard: each page read spends the operator's read budget, as an API read does.
        const spendRead = spendReadBudget(createReadBudget(redis, config));
        pages.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
          if (request.principal) await spendRead(request, reply);
        });
        registerSignOut(pages);
        registerOverview(pages, ctx);
        registerNumbersPages(pages, ctx);
        registerNumberPage(pages, ctx);
        registerJobPages(pages, ctx);
        registerUploadPages(pages, ctx);
      });
    },
    { prefix: CONSOLE_PATH },
  );
}
