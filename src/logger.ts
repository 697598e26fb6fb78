import { type Logger, pino } from 'pino';
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

export function createLogger(
  config: Pick<Config, 'logLevel' | 'env'>,
  name = 'oc-numbers',
): Logger {
  const pretty = config.env === 'development' && process.stdout.isTTY;
  return pino({
    name,
    level: config.logLevel,
    redact: { paths: REDACT, censor: '[redacted]' },
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } }
      : {}),
  });
}
