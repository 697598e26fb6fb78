// Server time of the operator console's two heaviest pages (docs/performance.md, "Operator
// console"): the overview (the operator's removal summary, the summary per customer, recent
// jobs) and the numbers page (a filtered page of 50 with its total), for operators of growing
// inventories side by side in one run. The app runs in this process and is asked through
// `inject` (no socket: the time is the server's, from routing to the last byte of HTML),
// signed in as a console user would be. `--database <name>` keeps the database (created and
// seeded on first use, each size once) so a later run measures again without seeding.
//   npm run bench:console [-- --sizes 100000,1000000] [-- --requests 50] [-- --database ocn_console_5m]
import { parseArgs } from 'node:util';
import { numberPageCursor } from '../src/api/views/cursor.ts';
import { createConsoleClient } from '../test/support/console-client.ts';
import { consoleInventory } from './console-seed.ts';
import { parseSizes, startInProcessApp } from './in-process-app.ts';
import { latency } from './stats.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100000,1000000' },
    requests: { type: 'string', default: '50' },
    customers: { type: 'string', default: '1000' },
    database: { type: 'string' },
  },
});
const sizes = parseSizes(values.sizes, 'inventory sizes');
const requests = Number(values.requests);
const customers = Number(values.customers);

const kept = values.database;
if (kept !== undefined && !/^ocn_[a-z0-9_]{1,40}$/.test(kept)) {
  throw new Error('--database: a name ocn_<lowercase letters, digits, _>');
}
// The bench asks far more often than a person: the read budget must not refuse it.
const { db, app, close } = await startInProcessApp(
  { READ_RATE_LIMIT_OPERATOR_MAX: '1000000' },
  { database: kept },
);

const time = async (ask: () => Promise<{ statusCode: number }>) => {
  const timings: number[] = [];
  for (let i = 0; i < requests + 5; i++) {
    const started = process.hrtime.bigint();
    const res = await ask();
    if (res.statusCode !== 200) throw new Error(`answered ${res.statusCode}`);
    if (i >= 5) timings.push(Number(process.hrtime.bigint() - started) / 1e6); // 5 warm-up
  }
  return latency(timings);
};

try {
  const rows: string[] = [];
  for (const size of sizes) {
    const inventory = await consoleInventory(db.sql, size, customers, (l) => console.error(l));
    const c = createConsoleClient(app);
    if ((await c.signIn(inventory.apiKey)).statusCode !== 303) throw new Error('sign-in failed');
    // A page in the middle of the marked numbers, by the cursor its previous page hands out.
    const status = 'MarkedForRemoval';
    const skipped = Math.floor(size / 6 / 50) * 50;
    const [middle] = await db.sql<{ e164: string }[]>`
      select e164 from telephone_numbers where operator_id = ${inventory.operatorId}
        and status = ${status} order by e164 offset ${Math.max(0, skipped - 1)} limit 1`;
    const deep = numberPageCursor.encode(
      { e164: middle?.e164 ?? '', page: skipped / 50 + 1 },
      { operatorId: inventory.operatorId, status },
    );
    const pages = {
      overview: '/console',
      'numbers, MarkedForRemoval, page 1': '/console/numbers?status=MarkedForRemoval',
      [`numbers, MarkedForRemoval, page ${skipped / 50 + 1} (cursor)`]: `/console/numbers?status=MarkedForRemoval&cursor=${deep}`,
      'numbers, one customer, page 1': `/console/numbers?msTenantId=${inventory.msTenantId}&status=MarkedForRemoval`,
    };
    for (const [label, url] of Object.entries(pages)) {
      const l = await time(() => c.get(url));
      rows.push(
        `| ${size.toLocaleString('en')} | ${label} | ${l.p50.toFixed(1)} | ${l.p95.toFixed(1)} | ${l.samples} |`,
      );
      console.error(rows.at(-1));
    }
  }
  console.log('| numbers | page | p50 ms | p95 ms | requests |\n|---:|---|---:|---:|---:|');
  console.log(rows.join('\n'));
} finally {
  await close();
}
