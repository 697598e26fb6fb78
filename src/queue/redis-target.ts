// Where Redis is, from the variables src/config.ts has parsed (it alone reads the environment).

export interface HostPort {
  host: string;
  port: number;
}

/** The parsed variables this module reads. */
export interface RedisEnv {
  REDIS_URL: string;
  REDIS_SENTINELS?: HostPort[] | undefined;
  REDIS_SENTINEL_NAME: string;
  REDIS_CLUSTER_NODES?: HostPort[] | undefined;
  QUEUE_PREFIX: string;
}

/** Credentials, TLS and database number come from REDIS_URL in every mode. */
export type RedisTarget =
  | { mode: 'standalone'; url: string }
  | { mode: 'sentinel'; url: string; sentinels: HostPort[]; name: string }
  | { mode: 'cluster'; url: string; nodes: HostPort[] };

/** Where Redis is: one server (REDIS_URL), a Sentinel-watched primary, or a Cluster. */
export function redisTarget(env: RedisEnv): RedisTarget {
  if (env.REDIS_CLUSTER_NODES) {
    return { mode: 'cluster', url: env.REDIS_URL, nodes: env.REDIS_CLUSTER_NODES };
  }
  if (env.REDIS_SENTINELS) {
    return {
      mode: 'sentinel',
      url: env.REDIS_URL,
      sentinels: env.REDIS_SENTINELS,
      name: env.REDIS_SENTINEL_NAME,
    };
  }
  return { mode: 'standalone', url: env.REDIS_URL };
}

/** The cross-variable rules of the scale-out settings. */
export function scaleOutProblems(env: RedisEnv): string[] {
  const problems: string[] = [];
  if (env.REDIS_CLUSTER_NODES && env.REDIS_SENTINELS) {
    problems.push('REDIS_CLUSTER_NODES and REDIS_SENTINELS: set one or the other');
  }
  if (env.REDIS_CLUSTER_NODES && !/\{[^}]+\}/.test(env.QUEUE_PREFIX)) {
    problems.push(
      `QUEUE_PREFIX: a Redis Cluster needs a hash tag so every queue key shares a slot, e.g. {${env.QUEUE_PREFIX}}`,
    );
  }
  return problems;
}
