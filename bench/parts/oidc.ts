import { setTimeout as sleep } from 'node:timers/promises';
import { startTestIssuer, type TestIssuer } from '../../test/support/oidc-issuer.ts';
import type { BenchContext } from '../context.ts';
import { createHttpClient, type HttpAnswer } from '../http-client.ts';
import {
  isFullSuccess,
  READY_FOR_REMOVAL_PATH,
  seedRequestBodies,
  startService,
} from '../service.ts';
import { type Latency, latency } from '../stats.ts';

// OpenID Connect access tokens against API keys, on one service in one run: what a
// token adds to a synchronous 500-number request (signature check and mapping lookup), and how
// often the service fetches the issuer's JWKS under the full admitted load of token requests.
// The issuer is test/support's: real HTTP discovery and JWKS on 127.0.0.1, an RS256 key.

export interface OidcResult {
  keyLatencyMs: Latency;
  tokenLatencyMs: Latency;
  /** Token p50 minus API key p50, requests interleaved one to one. */
  addedP50Ms: number;
  loadSeconds: number;
  loadRequests: number;
  loadSucceeded: number;
  /** JWKS fetches at the issuer while the admitted load ran (after one warm-up request). */
  jwksFetchesDuringLoad: number;
  /** Since the service started, the warm-up included. */
  jwksFetchesTotal: number;
  failures: number;
}

const AUDIENCE = 'api://oc-numbers-bench';

export async function benchOidc(ctx: BenchContext): Promise<OidcResult> {
  const { sizes, config } = ctx;
  const perMinute = (config.rateLimit.max * 60_000) / config.rateLimit.windowMs;
  const intervalMs = 60_000 / perMinute;
  const loadCount = Math.floor((sizes.loadSeconds * 1000) / intervalMs);
  const pairs = sizes.httpWarmup + sizes.httpRequests;
  const bodies = await seedRequestBodies(ctx, pairs * 2 + loadCount);
  const issuer = await startTestIssuer();
  const token = await mapClient(ctx, issuer);
  try {
    const latencies = await interleaved(ctx, issuer, token, bodies.slice(0, pairs * 2));
    const load = await admittedLoad(ctx, issuer, token, bodies.slice(pairs * 2), intervalMs);
    const result = { ...latencies, ...load };
    ctx.log(
      `  p50 key ${result.keyLatencyMs.p50.toFixed(1)} ms, token ${result.tokenLatencyMs.p50.toFixed(1)} ms; ` +
        `${result.jwksFetchesDuringLoad} JWKS fetches in ${result.loadSeconds.toFixed(0)} s of load`,
    );
    return result;
  } finally {
    await issuer.stop();
  }
}

async function mapClient(ctx: BenchContext, issuer: TestIssuer): Promise<() => Promise<string>> {
  const key = await issuer.addKey('RS256');
  const clientId = 'bench-client';
  await ctx.db.sql`
    insert into oidc_clients (operator_id, role, issuer, client_id)
    values (${ctx.tenant.operatorId}, 'operator', ${issuer.url}, ${clientId})`;
  return () => issuer.mint(key, { claims: { aud: AUDIENCE, azp: clientId } });
}

const oidcEnv = (issuer: TestIssuer) => ({ OIDC_ISSUERS: issuer.url, OIDC_AUDIENCE: AUDIENCE });

async function interleaved(
  ctx: BenchContext,
  issuer: TestIssuer,
  token: () => Promise<string>,
  bodies: { telephoneNumbers: string[] }[],
) {
  const service = await startService(ctx, 'oidc-e2e', {
    RATE_LIMIT_MAX: '1000000',
    ...oidcEnv(issuer),
  });
  const withToken = createHttpClient(service.baseUrl, { authorization: `Bearer ${await token()}` });
  const key: number[] = [];
  const tok: number[] = [];
  let failures = 0;
  try {
    for (const [i, body] of bodies.entries()) {
      const useToken = i % 2 === 1;
      const client = useToken ? withToken : service.client;
      const answer = await client.post(READY_FOR_REMOVAL_PATH, body);
      if (!isFullSuccess(answer, body.telephoneNumbers.length)) failures += 1;
      if (i >= ctx.sizes.httpWarmup * 2) (useToken ? tok : key).push(answer.ms);
    }
  } finally {
    withToken.close();
    await service.stop();
  }
  const keyLatencyMs = latency(key);
  const tokenLatencyMs = latency(tok);
  return {
    keyLatencyMs,
    tokenLatencyMs,
    addedP50Ms: tokenLatencyMs.p50 - keyLatencyMs.p50,
    failures,
  };
}

/** The whole budget offered evenly, open loop, every request with the (cached-key) token. */
async function admittedLoad(
  ctx: BenchContext,
  issuer: TestIssuer,
  token: () => Promise<string>,
  bodies: { telephoneNumbers: string[] }[],
  intervalMs: number,
) {
  const fetchesBefore = issuer.fetches.jwks;
  const service = await startService(ctx, 'oidc-load', {
    RATE_LIMIT_MAX: String(ctx.config.rateLimit.max),
    RATE_LIMIT_WINDOW_MS: String(ctx.config.rateLimit.windowMs),
    ...oidcEnv(issuer),
  });
  const client = createHttpClient(service.baseUrl, { authorization: `Bearer ${await token()}` });
  try {
    await client.get('/api/v3/oc/numbers/jobs?limit=1'); // the first token: discovery + JWKS
    const atStart = issuer.fetches.jwks;
    const started = performance.now();
    const answers: HttpAnswer[] = await Promise.all(
      bodies.map(async (body, i) => {
        await sleep(Math.max(0, started + i * intervalMs - performance.now()));
        return client.post(READY_FOR_REMOVAL_PATH, body);
      }),
    );
    return {
      loadSeconds: (performance.now() - started) / 1000,
      loadRequests: answers.length,
      loadSucceeded: answers.filter((a) => isFullSuccess(a, ctx.sizes.jobSize)).length,
      jwksFetchesDuringLoad: issuer.fetches.jwks - atStart,
      jwksFetchesTotal: issuer.fetches.jwks - fetchesBefore,
    };
  } finally {
    client.close();
    await service.stop();
  }
}
