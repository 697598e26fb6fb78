import { createRequire } from 'node:module';
import { type DestinationStream, type Logger, pino, type TransportSingleOptions } from 'pino';
import type { Config } from './config.ts';
import { traceLogFields } from './telemetry/active-ids.ts';
import { tracingOn } from './telemetry/state.ts';

export type { Logger };

// Never log credentials or request bodies: redact the headers that carry them.
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'apiKey',
  'password',
];

/**
 * JSON lines, except on a terminal: pretty-printed there when pino-pretty is installed. It is a
 * devDependency, absent from the production image, so a missing one means JSON, never a crash.
 * `destination` (JSON lines, never pretty) lets tests read exactly what would be logged.
 */
export function createLogger(
  config: Pick<Config, 'logLevel'>,
  name = 'oc-numbers',
  destination?: DestinationStream,
): Logger {
  const options = {
    name,
    level: config.logLevel,
    redact: { paths: REDACT, censor: '[redacted]' },
    // With tracing on, the ids of the active span (docs/operations.md, "Tracing").
    ...(tracingOn() && { mixin: traceLogFields }),
  };
  if (destination) return pino(options, destination);
  const pretty = prettyTransport(process.stdout.isTTY === true);
  return pino(pretty ? { ...options, transport: pretty } : options);
}

/** The pino-pretty transport when stdout is a terminal and pino-pretty can be found. */
export function prettyTransport(
  isTTY: boolean,
  resolve: (id: string) => string = createRequire(import.meta.url).resolve,
): TransportSingleOptions | undefined {
  if (!isTTY) return undefined;
  try {
    return { target: resolve('pino-pretty'), options: { translateTime: 'SYS:HH:MM:ss.l' } };
  } catch {
    return undefined;
  }
}
