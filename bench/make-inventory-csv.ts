// Writes a deterministic inventory CSV (the contract in docs/cli.md) for import measurements and seeding:
//   node bench/make-inventory-csv.ts <out.csv> [--rows 100000] [--operators 2] [--customers 50]
// Numbers are +1206 2000000 upwards (possible US numbers), statuses cycle through all four,
// every 11th number has no customer and every 7th customer is not Operator Connect.

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rows: { type: 'string', default: '100000' },
    operators: { type: 'string', default: '2' },
    customers: { type: 'string', default: '50' },
  },
});
const [out] = positionals;
if (!out) {
  process.stderr.write(
    'usage: node bench/make-inventory-csv.ts <out.csv> [--rows N] [--operators N] [--customers N]\n',
  );
  process.exit(2);
}
const rows = Number(values.rows);
const operatorCount = Number(values.operators);
const customersPerOperator = Number(values.customers);
const statuses = ['Active', 'ReleaseRequested', 'MarkedForRemoval', 'ReadyForRemoval'];

/** A stable GUID per (operator, customer), so regenerating the file gives the same tenants. */
function tenantId(operator: number, customer: number): string {
  const hex = (operator * 100_000 + customer).toString(16).padStart(12, '0');
  return `00000000-0000-4000-8000-${hex}`;
}

const file = createWriteStream(out);
file.write('telephoneNumber,status,operator,msTenantId,operatorConnect\n');
for (let i = 0; i < rows; i++) {
  const operator = i % operatorCount;
  const customer = Math.floor(i / operatorCount) % customersPerOperator;
  const hasCustomer = i % 11 !== 10;
  const line = [
    `+1206${String(2_000_000 + i).padStart(7, '0')}`,
    statuses[i % statuses.length],
    `bench-op-${operator}`,
    hasCustomer ? tenantId(operator, customer) : '',
    hasCustomer ? String(customer % 7 !== 6) : '',
  ].join(',');
  if (!file.write(`${line}\n`)) await once(file, 'drain');
}
file.end();
await once(file, 'finish');
process.stderr.write(`wrote ${rows} rows to ${out}\n`);
