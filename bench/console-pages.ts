// Server time of the operator console's two heaviest pages (docs/performance.md, "Operator
// console"): the overview (the operator's removal summary, the summary per customer, recent
// jobs) and the numbers page (a filtered page of 50 with its total), as the inventory grows.
// The app runs in this process and is asked through `inject` (no socket: the time is the
// server's, from routing to the last byte of HTML), signed in as a console user would be.
//   npm run bench:console [-- --sizes 100000,1000000] [-- --requests 50]
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createConsoleClient } from '../test/support/console-client.ts';
import { parseSizes, startInProcessApp } from './in-process-app.ts';
import { seedTenant } from './seed.ts';
import { latency } from './stats.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100000,1000000' },
    requests: { type: 'string', default: '50' },
    customers: { type: 'string', default: '1000' },
  },
});
const sizes = parseSizes(values.sizes, 'inventory sizes');
const requests = Number(values.requests);
const customers = Number(values.customers);

// The bench asks far more often than a person: the read budget must not refuse it.
const { db, app, close } = await startInProcessApp({ READ_RATE_LIMIT_OPERATOR_MAX: '1000000' });

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
  const tenant = await seedTenant(db.sql);
  // The customers beside the tenant's own (numbers spread over all of them).
  const tenantIds = Array.from({ length: customers - 1 }, () => randomUUID());
  await db.sql`
    insert into customers (operator_id, ms_tenant_id, operator_connect)
    select ${tenant.operatorId}, t::uuid, true from unnest(${tenantIds}::text[]) as t`;
  const c = createConsoleClient(app);
  if ((await c.signIn(tenant.apiKey)).statusCode !== 303) throw new Error('sign-in failed');
  const rows: string[] = [];
  let seeded = 0;
  for (const size of sizes) {
    console.error(`seeding ${size - seeded} numbers (to ${size}) over ${customers} customers…`);
    // A third each Active, MarkedForRemoval, ReadyForRemoval; customers round robin.
    await db.sql`
      with c as (select id, row_number() over (order by id) - 1 as k from customers
                 where operator_id = ${tenant.operatorId})
      insert into telephone_numbers (e164, operator_id, customer_id, status)
      select '+1206' || lpad(g::text, 7, '0'), ${tenant.operatorId}, c.id,
             (array['Active', 'MarkedForRemoval', 'ReadyForRemoval'])[1 + g % 3]::number_status
      from generate_series(${seeded}::int, ${size - 1}::int) as g
      join c on c.k = g % ${customers}`;
    seeded = size;
    await db.sql`vacuum analyze telephone_numbers`;
    const pages = {
      overview: '/console',
      'numbers, MarkedForRemoval, page 1': '/console/numbers?status=MarkedForRemoval',
      'numbers, one customer, page 1': `/console/numbers?msTenantId=${tenantIds[0]}&status=MarkedForRemoval`,
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
