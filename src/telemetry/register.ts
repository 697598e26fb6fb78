import { register } from 'node:module';
import { tracingRequested } from './enabled.ts';

// `node --import ./src/telemetry/register.ts <entry>`: starts OpenTelemetry tracing before the
// app's modules load, when the standard OTEL_* variables ask for it (docs/operations.md,
// "Tracing"). Otherwise it does nothing at all: the SDK is imported dynamically, only here.

if (tracingRequested(process.env)) {
  await hookIoredis();
  const { startTracing } = await import('./sdk.ts');
  await startTracing();
}

/**
 * ioredis is patched when it loads; an ESM import of it passes only through a loader hook,
 * limited to ioredis so that every other module loads untouched. In-thread synchronous hooks
 * where Node has them right (≥ 22.22.3, ≥ 24.11.1): the off-thread loader of `module.register`
 * costs a round trip to its thread for every module the process loads, about a second of CPU
 * at start (docs/performance.md, "Tracing").
 */
async function hookIoredis(): Promise<void> {
  const sync = await import('import-in-the-middle/register-hooks.mjs');
  if (sync.supportsSyncHooks()) {
    sync.register({ include: ['ioredis'] });
    return;
  }
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, {
    data: { include: ['ioredis'] },
  });
}
