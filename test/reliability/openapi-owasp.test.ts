import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, useAppsDatabase } from '../support/app.ts';
import { servedRoutes } from '../support/scenario/routes.ts';

// Security: the OpenAPI document passes Spectral's OWASP API Security ruleset with no
// errors, and documents every route the server really has (read from Fastify's route tree).

const SPECTRAL = fileURLToPath(
  new URL('../../node_modules/@stoplight/spectral-cli/dist/index.js', import.meta.url),
);
const RULESET = fileURLToPath(new URL('../support/scenario/spectral-owasp.mjs', import.meta.url));
// Served by the app but not API operations: the document itself, its UI, Bull Board and the
// console's HTML pages.
const NOT_OPERATIONS =
  /^(HEAD |[A-Z]+ \/openapi\.json$|[A-Z]+ \/docs|[A-Z]+ \/admin\/queues|[A-Z]+ \/console(\/|$))/;

const database = useAppsDatabase();
const prefix = database.prefix('rel-oas');
let api: TestApp;
let document: { paths: Record<string, Record<string, unknown>> };
const dir = mkdtempSync(join(tmpdir(), 'ocn-oas-'));

beforeAll(async () => {
  api = await database.app(prefix);
  document = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json();
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
});

interface Finding {
  code: string;
  severity: number;
  path: string[];
  message: string;
}

describe('the OpenAPI document', () => {
  it('documents every route the server has', () => {
    const served = servedRoutes(api.app).filter((route) => !NOT_OPERATIONS.test(route));
    const documented = new Set(
      Object.entries(document.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    );
    expect(served.length).toBeGreaterThan(5);
    expect(served.filter((route) => !documented.has(route))).toEqual([]);
  });

  it("passes Spectral's OWASP API Security ruleset with no errors", async () => {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(document));
    const run = await promisify(execFile)(
      process.execPath,
      [
        SPECTRAL,
        'lint',
        file,
        '--ruleset',
        RULESET,
        '--format',
        'json',
        '--fail-severity',
        'error',
        '--quiet',
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    ).catch((err: { stdout?: string; stderr?: string }) => ({
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? '',
    }));
    const findings = JSON.parse(run.stdout || '[]') as Finding[];
    const errors = findings.filter((f) => f.severity === 0);
    const warnings = findings.filter((f) => f.severity === 1);
    const byRule = Object.entries(Object.groupBy(warnings, (w) => w.code)).map(
      ([code, list]) => `${code} ×${list?.length}`,
    );
    console.info(
      `[figure] spectral OWASP: ${errors.length} errors, ${warnings.length} warnings (${byRule.join(', ')})`,
    );
    expect(errors.map((e) => `${e.code} at ${e.path.join('.')}: ${e.message}`)).toEqual([]);
  }, 60_000);
});
