import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { numbersCursor } from '../../src/api/views/cursor.ts';
import type { Sql } from '../../src/db/client.ts';
import { e164Of } from '../seed.ts';
import type { RunningService } from '../service.ts';
import { READY_FOR_REMOVAL_PATH } from '../service.ts';
import { percentile } from '../stats.ts';
import { type ScaleSize, tenantOf } from './seed.ts';

// The scale figures (docs/performance.md) on one seeded inventory, each the median of `runs` answers over HTTP
// from a warm service (the import: one run of the CLI as a child process, its peak RSS read by
// /usr/bin/time).

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LIST = '/api/v3/oc/numbers';

export type ScaleFigures = Record<string, number>;

async function medianMs(runs: number, fn: () => Promise<{ status: number }>) {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const answer = await fn();
    if (answer.status !== 200) throw new Error(`answer ${answer.status}`);
    times.push(performance.now() - started);
  }
  return Math.round(percentile(times, 50) * 10) / 10;
}

/** The list position of number i of the seed (all numbers sorted by E.164 = seed order). */
const e164At = (i: number) => e164Of(2_000_000 + i);

export async function measureReads(
  service: RunningService,
  size: ScaleSize,
  operatorId: string,
  runs: number,
): Promise<ScaleFigures> {
  const get = (path: string) => () => service.client.get(path);
  const deepPage = Math.max(2, Math.floor(size.numbers / 1000)); // page 5,000 at 5M
  const cursor = (index: number, page: number, status?: 'MarkedForRemoval') =>
    numbersCursor.encode({ e: e164At(index), p: page }, { operatorId, status });
  // Marked numbers are every 4th (i % 4 = 2): page n of 200 ends at number 4·200·(n−1) − 2.
  const markedPage = Math.max(2, Math.floor(size.numbers / 1667)); // 3,000 at 5M
  const figures: ScaleFigures = {
    listPage1Ms: await medianMs(runs, get(`${LIST}?PageSize=200`)),
    listDeepPageNumberMs: await medianMs(runs, get(`${LIST}?PageSize=200&PageNumber=${deepPage}`)),
    listDeepCursorMs: await medianMs(
      runs,
      get(`${LIST}?PageSize=200&cursor=${cursor((deepPage - 1) * 200 - 1, deepPage)}`),
    ),
    listStatusPageNumberMs: await medianMs(
      runs,
      get(`${LIST}?PageSize=200&acquiredNumberStatus=2&PageNumber=${markedPage}`),
    ),
    listStatusCursorMs: await medianMs(
      runs,
      get(
        `${LIST}?PageSize=200&acquiredNumberStatus=2&cursor=${cursor(4 * 200 * (markedPage - 1) - 2, markedPage, 'MarkedForRemoval')}`,
      ),
    ),
    listCustomerMs: await medianMs(runs, get(`${LIST}?PageSize=200&msTenantId=${tenantOf(1)}`)),
    summaryMs: await medianMs(runs, get(`${LIST}/removal-status/summary`)),
    summaryCustomerMs: await medianMs(
      runs,
      get(`${LIST}/removal-status/summary?msTenantId=${tenantOf(1)}`),
    ),
    numberWithHistoryMs: await medianMs(runs, get(`${LIST}/${encodeURIComponent(e164At(3))}`)),
  };
  const started = performance.now();
  const csv = await service.client.get(`${LIST}?acquiredNumberStatus=2`, { accept: 'text/csv' });
  const rows = csv.body.split('\n').length - 2;
  figures.csvExportRowsPerSec = Math.round(rows / ((performance.now() - started) / 1000));
  return figures;
}

/** A service and the 500-number bodies its sync requests send (the highest marked numbers). */
export interface SyncTarget {
  service: RunningService;
  bodies: { telephoneNumbers: string[] }[];
}

/**
 * The bodies of `requests` synchronous 500-number requests (and three to warm up) over Marked
 * numbers of Operator Connect customers, for measureSyncTogether.
 */
export async function syncTarget(service: RunningService, sql: Sql, requests: number) {
  const numbers = await sql<{ e164: string }[]>`
    select n.e164 from telephone_numbers n join customers c on c.id = n.customer_id
    where n.status = 'MarkedForRemoval' and c.operator_connect
    order by n.e164 desc limit ${(requests + 3) * 500}`;
  const bodies = Array.from({ length: requests + 3 }, (_, i) => ({
    telephoneNumbers: numbers.slice(i * 500, (i + 1) * 500).map((n) => n.e164),
  }));
  return { service, bodies } satisfies SyncTarget;
}

/**
 * The p50 of each target's sync 500-number requests, the targets taking turns request by
 * request (three each first, to warm up): whatever else loads the machine meanwhile weighs on
 * every target alike, so their ratio is the tables' doing.
 */
export async function measureSyncTogether(targets: readonly SyncTarget[]): Promise<number[]> {
  const times: number[][] = targets.map(() => []);
  const rounds = Math.min(...targets.map((t) => t.bodies.length));
  for (let i = 0; i < rounds; i++) {
    for (const [k, { service, bodies }] of targets.entries()) {
      const started = performance.now();
      const answer = await service.client.post(READY_FOR_REMOVAL_PATH, bodies[i]);
      if (answer.status !== 200) throw new Error(`sync request answered ${answer.status}`);
      if (i >= 3) times[k]?.push(performance.now() - started);
    }
  }
  return times.map((t) => Math.round(percentile(t, 50) * 10) / 10);
}

/** `numbers import` of `file` by the CLI: rows/s and the process's peak RSS in MB. */
export function measureImport(file: string, databaseUrl: string) {
  return new Promise<{ rowsPerSec: number; peakRssMb: number; output: string }>(
    (resolve, reject) => {
      const child = spawn(
        '/usr/bin/time',
        ['-f', 'peak-rss-kb %M', process.execPath, 'src/cli/index.ts', 'numbers', 'import', file],
        {
          cwd: ROOT,
          env: {
            PATH: process.env.PATH ?? '',
            DATABASE_URL: databaseUrl,
            // The seconds per step on stderr (src/numbers/import/timings.ts), when asked for.
            ...(process.env.OCN_IMPORT_TIMINGS
              ? { OCN_IMPORT_TIMINGS: process.env.OCN_IMPORT_TIMINGS }
              : {}),
          },
        },
      );
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      child.once('error', reject);
      child.once('exit', () => {
        const rate = /\((\d+) rows\/s\)/.exec(output);
        const rss = /peak-rss-kb (\d+)/.exec(output);
        if (!rate || !rss) return reject(new Error(`import failed:\n${output.slice(-2000)}`));
        resolve({
          rowsPerSec: Number(rate[1]),
          peakRssMb: Math.round(Number(rss[1]) / 1024),
          output,
        });
      });
    },
  );
}
