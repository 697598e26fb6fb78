import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { ENV_VARIABLES, parseEnv } from '../../src/config-env.ts';
import { configProblemsOf as problemsOf } from '../support/config.ts';

const defaults = parseEnv({});
if (!defaults.success) throw new Error('the defaults must load');

/** Every setting read as a number: with a numeric default, or optional and numeric when given. */
const NUMERIC = ENV_VARIABLES.filter((name) => {
  if (typeof defaults.data[name] === 'number') return true;
  const given = parseEnv({ [name]: '1000' });
  return given.success && typeof given.data[name] === 'number';
});

describe('empty environment variables', () => {
  it('finds the numeric settings (the list below cannot be silently empty)', () => {
    expect(NUMERIC).toEqual(
      expect.arrayContaining([
        'PORT',
        'SYNC_WAIT_MS',
        'SHUTDOWN_TIMEOUT_MS',
        'RATE_LIMIT_MAX',
        'RATE_LIMIT_OPERATOR_MAX',
        'WORKER_METRICS_PORT',
      ]),
    );
    expect(NUMERIC.length).toBeGreaterThanOrEqual(19);
  });

  it.each(ENV_VARIABLES)('%s= (empty or blank) means unset', (name) => {
    const unset = loadConfig({});
    expect(loadConfig({ [name]: '' })).toEqual(unset);
    expect(loadConfig({ [name]: '  ' })).toEqual(unset);
  });

  it.each(NUMERIC)('%s takes plain decimal digits only', (name) => {
    for (const value of ['abc', '1e3', '0x10', '12abc', '-1', '1.5']) {
      expect(problemsOf({ [name]: value }).join('\n')).toContain(`${name}:`);
    }
  });

  it('keeps the documented defaults for the settings the review found read as 0', () => {
    const config = loadConfig({ SYNC_WAIT_MS: '', SHUTDOWN_TIMEOUT_MS: '', PORT: '' });
    expect(config.syncWaitMs).toBe(30_000);
    expect(config.shutdownTimeoutMs).toBe(10_000);
    expect(config.port).toBe(3000);
    expect(loadConfig({ SYNC_WAIT_MS: ' 250 ' }).syncWaitMs).toBe(250);
  });
});

describe('RATE_LIMIT_OPERATOR_MAX', () => {
  it('defaults to the global budget (no extra cap)', () => {
    expect(loadConfig({ RATE_LIMIT_MAX: '120' }).rateLimit).toMatchObject({
      max: 120,
      operatorMax: 120,
    });
    expect(loadConfig({ RATE_LIMIT_OPERATOR_MAX: '50' }).rateLimit.operatorMax).toBe(50);
    expect(problemsOf({ RATE_LIMIT_OPERATOR_MAX: '0' }).join()).toContain(
      'RATE_LIMIT_OPERATOR_MAX',
    );
  });
});

describe('TRUST_PROXY', () => {
  it('refuses to trust every hop, with a message that says what to give instead', () => {
    const [problem] = problemsOf({ TRUST_PROXY: 'true' });
    expect(problem).toMatch(/^TRUST_PROXY: true would trust every hop/);
    expect(problem).toContain('number of proxies');
  });

  it('takes a hop count or a list of addresses and CIDRs', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '0' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(
      loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1,fd00::/8,loopback' }).trustProxy,
    ).toEqual(['10.0.0.0/8', '127.0.0.1', '::1', 'fd00::/8', 'loopback']);
  });

  it.each(['yes', '10.0.0.0/33', '10.0.0.1/8/1', '300.1.1.1', '*', '10.0.0.1,'])(
    'rejects %s',
    (value) => {
      expect(problemsOf({ TRUST_PROXY: value }).join()).toContain('TRUST_PROXY');
    },
  );
});

describe('WORKER_TEST_CHUNK_GATE', () => {
  it('is refused outside tests: a hold point must never reach a real worker', () => {
    for (const NODE_ENV of ['production', 'development']) {
      expect(problemsOf({ NODE_ENV, WORKER_TEST_CHUNK_GATE: 'true' })).toEqual([
        'WORKER_TEST_CHUNK_GATE is for tests only: it needs NODE_ENV=test',
      ]);
    }
    expect(loadConfig({}).worker.testChunkGate).toBe(false);
    expect(
      loadConfig({ NODE_ENV: 'test', WORKER_TEST_CHUNK_GATE: 'true' }).worker.testChunkGate,
    ).toBe(true);
  });
});

describe('RETENTION_JOBS_PER_SECOND', () => {
  it('defaults to 20 jobs a second and takes 1 to 10,000', () => {
    expect(loadConfig({}).retention.jobsPerSecond).toBe(20);
    expect(loadConfig({ RETENTION_JOBS_PER_SECOND: '5' }).retention.jobsPerSecond).toBe(5);
    for (const value of ['0', '10001']) {
      expect(problemsOf({ RETENTION_JOBS_PER_SECOND: value }).join('\n')).toContain(
        'RETENTION_JOBS_PER_SECOND:',
      );
    }
  });
});
