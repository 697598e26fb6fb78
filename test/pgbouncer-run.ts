// `npm run test:pgbouncer [-- vitest args]`: the test suite with every service and test
// connection going through a PgBouncer in transaction mode (started here on a free port and
// stopped afterwards), as in a deployment behind the pooler. Creating, migrating and dropping
// the test databases stays on Postgres directly, as the separate migrate step does.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { startPgBouncer } from './support/topology/pgbouncer.ts';

const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
const bouncer = await startPgBouncer();
process.stderr.write(`test:pgbouncer: PgBouncer (transaction mode) at ${bouncer.url}\n`);
const started = Date.now();
// The bench measures Postgres itself: its diagnosis connections set session parameters
// (synchronous_commit, session_replication_role) at connect time, which a transaction pooler
// refuses by design. Its smoke test is the one file left out.
const BENCH_SMOKE = 'test/integration/bench-smoke.test.ts';
const child = spawn(
  process.execPath,
  [vitest, 'run', '--exclude', BENCH_SMOKE, ...process.argv.slice(2)],
  {
    stdio: 'inherit',
    env: { ...process.env, TEST_PG_POOLER_URL: bouncer.url },
  },
);
const stop = (signal: NodeJS.Signals) => child.kill(signal);
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
await bouncer.stop();
process.stderr.write(
  `test:pgbouncer: vitest ended with ${code ?? signal} after ${Math.round((Date.now() - started) / 1000)} s\n`,
);
process.exitCode = code ?? 1;
