import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tracingRequested } from '../../src/telemetry/enabled.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { freePort } from '../support/listening.ts';
import { type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { deletePrefix, uniquePrefix } from '../support/redis.ts';
import { REDIS_URL } from '../support/services.ts';
import { waitFor } from '../support/wait.ts';

// Tracing off must cost nothing: the one-process start (API + worker) preloaded as `npm start`
// preloads it loads no module of the OpenTelemetry SDK, its exporters or instrumentations.
// The same start with an endpoint set is the control that shows the check can fail.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SDK_MODULE =
  /node_modules\/(@opentelemetry\/(sdk-|exporter-|instrumentation|otlp-|resources)|@fastify\/otel|bullmq-otel|import-in-the-middle)/;

describe('tracingRequested', () => {
  it('asks for an endpoint or an exporter, and lets none and OTEL_SDK_DISABLED win', () => {
    expect(tracingRequested({})).toBe(false);
    expect(
      tracingRequested({ OTEL_SERVICE_NAME: 'x', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }),
    ).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })).toBe(true);
    expect(
      tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' }),
    ).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toBe(false);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe(true);
    expect(
      tracingRequested({
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
      }),
    ).toBe(false);
    expect(tracingRequested({ OTEL_SDK_DISABLED: 'TRUE', OTEL_TRACES_EXPORTER: 'otlp' })).toBe(
      false,
    );
  });
});

describe('the one-process start', () => {
  let db: TestDatabase;
  let prefix: string;
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    [db, receiver] = await Promise.all([createTestDatabase(), startOtlpReceiver()]);
    prefix = uniquePrefix('tracing-off');
  });
  afterAll(async () => {
    await receiver?.close();
    await deletePrefix(prefix).catch(() => {});
    await db?.drop();
  });

  /** Starts `npm start`'s process, waits until it serves, stops it; what it loaded. */
  async function modulesOfARun(env: Record<string, string>): Promise<string[]> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'ocn-modules-'));
    const modulesFile = join(dir, 'loaded.json');
    const child = spawn(
      process.execPath,
      [
        '--import',
        './test/support/module-recorder.mjs',
        '--import',
        './src/telemetry/register.ts',
        'src/main.ts',
      ],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          NODE_ENV: 'test',
          HOST: '127.0.0.1',
          PORT: String(port),
          DATABASE_URL: db.url,
          REDIS_URL,
          QUEUE_PREFIX: prefix,
          MIGRATE_ON_START: 'false',
          OCN_LOADED_MODULES_FILE: modulesFile,
          ...env,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // 'close', not 'exit': the module list is the last thing on stderr, read only once it closed.
    const exited = once(child, 'close');
    try {
      // Generous: two service starts side by side on a busy 2-core machine take a while.
      await waitFor(
        'the service to serve',
        async () =>
          fetch(`http://127.0.0.1:${port}/health/ready`).then(
            (r) => (r.ok ? true : undefined),
            () => (child.exitCode === null ? undefined : Promise.reject(new Error(stderr))),
          ),
        90_000,
        100,
      );
      // A request that is traced (a 404 is as good as any): with tracing on, its span is exported.
      await fetch(`http://127.0.0.1:${port}/no-such-page`);
    } finally {
      child.kill('SIGTERM');
    }
    expect((await exited)[0]).toBe(0);
    try {
      return JSON.parse(readFileSync(modulesFile, 'utf8')) as string[];
    } catch (err) {
      throw new Error(`no module list (${String(err)}):\n${stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('loads no SDK module with the variables unset', async () => {
    const modules = await modulesOfARun({});
    expect(modules.some((url) => url.includes('/src/api/app.ts'))).toBe(true);
    expect(modules.filter((url) => SDK_MODULE.test(url))).toEqual([]);
  }, 150_000);

  it('loads the SDK and exports when OTEL_EXPORTER_OTLP_ENDPOINT is set (the control)', async () => {
    const modules = await modulesOfARun({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    });
    expect(modules.some((url) => url.includes('@opentelemetry/sdk-trace/'))).toBe(true);
    expect(modules.some((url) => url.includes('@opentelemetry/exporter-trace-otlp-http'))).toBe(
      true,
    );
    // Only the exporter asked for: not the protobuf or gRPC ones (nor sdk-node, which loads all).
    expect(
      modules.filter((url) =>
        /@opentelemetry\/(exporter-trace-otlp-(proto|grpc)|sdk-node)\/|@grpc\//.test(url),
      ),
    ).toEqual([]);
    expect(receiver.requests).toBeGreaterThan(0);
  }, 150_000);
});
