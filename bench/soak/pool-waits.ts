import { subscribe } from 'node:diagnostics_channel';

// Preloaded into the soak's service processes (NODE_OPTIONS=--import): counts the times a
// query had to queue for a Postgres connection while the pool was already at its size
// (DATABASE_POOL_MAX), from postgres.js' `postgres:pool` diagnostics channel. A wait while
// the pool is still opening connections is growth, not a shortage, and is counted apart.
// Writes its counts to stderr as one JSON line a second; the soak reads the last one.

interface PoolMessage {
  event: string;
  stats?: { connections: number; opening: number; waiting: number };
}

const size = Number(process.env.DATABASE_POOL_MAX || 10);
const counts = { fullWaits: 0, growthWaits: 0, maxWaiting: 0, maxConnections: 0, poolSize: size };

subscribe('postgres:pool', (message) => {
  const { event, stats } = message as PoolMessage;
  if (!stats) return;
  counts.maxConnections = Math.max(counts.maxConnections, stats.connections);
  if (event !== 'wait') return;
  if (stats.connections + stats.opening >= size) {
    counts.fullWaits++;
    counts.maxWaiting = Math.max(counts.maxWaiting, stats.waiting);
  } else counts.growthWaits++;
});

setInterval(() => process.stderr.write(`${JSON.stringify({ soakPool: counts })}\n`), 1000).unref();
