import { register } from 'node:module';
import { tracingRequested } from './enabled.ts';

// `node --import ./src/telemetry/register.ts <entry>`: starts OpenTelemetry tracing before the
// app's modules load, when the standard OTEL_* variables ask for it (docs/operations.md,
// "Tracing"). Otherwise it does nothing at all: the SDK is imported dynamically, only here.

if (tracingRequested(process.env)) {
  // ioredis is patched when it loads; an ESM import of it passes only through a loader hook.
  // Limited to ioredis so that every other module loads untouched.
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, {
    data: { include: ['ioredis'] },
  });
  const { startTracing } = await import('./sdk.ts');
  await startTracing();
}
