import { type DestinationStream, type Logger, pino } from 'pino';
import type { Config } from './config.ts';

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

/** `destination` (JSON lines, never pretty) lets tests read exactly what would be logged. */
export function createLogger(
  config: Pick<Config, 'logLevel' | 'env'>,
  name = 'oc-numbers',
  destination?: DestinationStream,
): Logger {
  const options = {
    name,
    level: config.logLevel,
    redact: { paths: REDACT, censor: '[redacted]' },
  };
  if (destination) return pino(options, destination);
  const pretty = config.env === 'development' && process.stdout.isTTY;
  return pino({
    ...options,
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } }
      : {}),
  });
}
