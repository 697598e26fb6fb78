import { type Config, ConfigError, loadConfig } from '../../src/config.ts';
import type { Env } from '../../src/config-env.ts';
import { POOLER_ENV, REDIS_URL } from './services.ts';

/** The real config loader over a test environment: own database, own queue prefix, quiet logs. */
export function testConfig(
  databaseUrl: string,
  queuePrefix: string,
  overrides: Partial<Record<keyof Env, string>> = {},
): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    QUEUE_PREFIX: queuePrefix,
    PORT: '0',
    ...POOLER_ENV,
    ...overrides,
  });
}

/** What the config loader refuses in `env`, every problem at once; empty when it loads. */
export function configProblemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}
