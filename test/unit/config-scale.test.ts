import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { configProblemsOf as problemsOf } from '../support/config.ts';

// The scale-out settings: where Redis is, the Cluster's hash-tag rule, migrations and
// prepared statements. Every bad variable is reported at once.

describe('scale-out configuration', () => {
  it('defaults to one Redis, migrations at start and prepared statements', () => {
    const config = loadConfig({});
    expect(config.redis).toEqual({ mode: 'standalone', url: 'redis://127.0.0.1:6379' });
    expect(config.migrateOnStart).toBe(true);
    expect(config.databasePrepare).toBe(true);
  });

  it('reads Sentinel and Cluster node lists', () => {
    expect(
      loadConfig({ REDIS_SENTINELS: 'a:26379,b.example:26380', REDIS_SENTINEL_NAME: 'main' }).redis,
    ).toEqual({
      mode: 'sentinel',
      url: 'redis://127.0.0.1:6379',
      name: 'main',
      sentinels: [
        { host: 'a', port: 26379 },
        { host: 'b.example', port: 26380 },
      ],
    });
    const cluster = loadConfig({ REDIS_CLUSTER_NODES: 'n1:7000', QUEUE_PREFIX: '{ocn}' });
    expect(cluster.redis).toMatchObject({ mode: 'cluster', nodes: [{ host: 'n1', port: 7000 }] });
    expect(loadConfig({ MIGRATE_ON_START: 'false', DATABASE_PREPARE: 'false' })).toMatchObject({
      migrateOnStart: false,
      databasePrepare: false,
    });
  });

  it('requires a hash-tagged prefix on a Cluster and one Redis topology at a time', () => {
    expect(problemsOf({ REDIS_CLUSTER_NODES: 'n1:7000' })).toEqual([
      expect.stringMatching(/^QUEUE_PREFIX: .*hash tag.*\{ocn\}/),
    ]);
    expect(
      problemsOf({ REDIS_CLUSTER_NODES: 'n1:7000', REDIS_SENTINELS: 's:1', QUEUE_PREFIX: '{x}' }),
    ).toEqual([expect.stringContaining('set one or the other')]);
  });

  it('serves both queues in a worker process unless WORKER_QUEUES names one', () => {
    expect(loadConfig({}).workerQueues).toEqual(['operations', 'webhooks']);
    expect(loadConfig({ WORKER_QUEUES: 'webhooks' }).workerQueues).toEqual(['webhooks']);
    expect(loadConfig({ WORKER_QUEUES: ' operations , operations' }).workerQueues).toEqual([
      'operations',
    ]);
    expect(problemsOf({ WORKER_QUEUES: 'operations,mail' })).toEqual([
      expect.stringMatching(/^WORKER_QUEUES/),
    ]);
    expect(problemsOf({ WORKER_QUEUES: ',' })).toEqual([expect.stringMatching(/^WORKER_QUEUES/)]);
  });

  it('lists every bad scale-out variable at once', () => {
    const problems = problemsOf({
      REDIS_SENTINELS: 'no-port',
      REDIS_CLUSTER_NODES: 'a:1,,b:2',
      MIGRATE_ON_START: 'yes',
      DATABASE_PREPARE: '0',
      QUEUE_PREFIX: '{a}{b}',
    });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'DATABASE_PREPARE',
      'MIGRATE_ON_START',
      'QUEUE_PREFIX',
      'REDIS_CLUSTER_NODES',
      'REDIS_SENTINELS',
    ]);
  });
});
