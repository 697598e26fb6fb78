import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { TestDatabase } from './database.ts';
import { createTenant } from './factories.ts';
import { createMixedNumbers } from './mixed-numbers.ts';

// The bulk client as operators run it: the real entry point in a child process (no TTY),
// against a real API and worker, over a 5,000-number file with every kind of outcome.

const ENTRY = fileURLToPath(new URL('../../src/cli/index.ts', import.meta.url));

export interface ClientRun {
  child: ChildProcess;
  stdout(): string;
  stderrLines(): string[];
  /** Resolves once `count` stderr lines match `pattern`. */
  waitForLines(pattern: RegExp, count: number, timeoutMs?: number): Promise<void>;
  exited: Promise<number | string>;
}

export function runClient(args: string[], env: Record<string, string>): ClientRun {
  const child = spawn(process.execPath, [ENTRY, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: (() => void)[] = [];
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    for (const waiter of [...waiters]) waiter();
  });
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
  const stderrLines = () => err.split('\n').filter(Boolean);
  return {
    child,
    stdout: () => out,
    stderrLines,
    exited,
    waitForLines(pattern, count, timeoutMs = 40_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (stderrLines().filter((l) => pattern.test(l)).length >= count) {
            waiters.splice(waiters.indexOf(check), 1);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(
          () => reject(new Error(`no ${count} lines like ${pattern}:\n${err}`)),
          timeoutMs,
        );
        waiters.push(check);
        void exited.then(check);
        check();
      });
    },
  };
}

/** A tenant's 5,000 distinct valid numbers, shuffled, with what each must end as. */
export async function mixedInventory(db: TestDatabase) {
  const tenant = await createTenant(db.db);
  const groups = await createMixedNumbers(db.db, tenant, {
    marked: 3700,
    active: 500,
    notOperatorConnect: 300,
    unknown: 500,
  });
  const expected = new Map<string, string>();
  const add = (numbers: string[], outcome: string) => {
    for (const n of numbers) expected.set(n, outcome);
  };
  add(groups.marked, 'SUCCEEDED');
  add(groups.active, 'INVALID_STATUS');
  add(groups.notOperatorConnect, 'NOT_OPERATOR_CONNECT_CUSTOMER');
  add(groups.unknown, 'NUMBER_NOT_FOUND');
  const numbers = shuffle([...expected.keys()]);
  return { tenant, numbers, expected };
}

export const INVALID_LINES = ['+1 206 555 0100', '12065550100', '+999123456', '+1206', 'abc'];

/** The input file: comments, blank lines, invalid lines and repeats among the numbers. */
export async function writeInputFile(path: string, numbers: readonly string[]) {
  const lines = ['# numbers Microsoft dropped', ''];
  numbers.forEach((n, i) => {
    lines.push(n);
    if (i % 1000 === 500)
      lines.push(INVALID_LINES[(i / 1000) | 0] as string, numbers[i - 3] as string);
  });
  await writeFile(path, `${lines.join('\n')}\n`);
}

export async function readResults(path: string) {
  const [header, ...rows] = (await readFile(path, 'utf8')).trimEnd().split('\n');
  expect(header).toBe('telephoneNumber,outcome,currentStatus,detail,jobId');
  return rows.map((row) => {
    const cells = row.match(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)?.map((c) => c.replace(/,$/, '')) ?? [];
    const [telephoneNumber = '', outcome = '', currentStatus = '', , jobId = ''] = cells;
    return { telephoneNumber, outcome, currentStatus, jobId };
  });
}

export type ResultRow = Awaited<ReturnType<typeof readResults>>[number];

/** Every row with a job agrees with that job's ledger row; every other row has none anywhere. */
export async function expectLedgerAgrees(db: TestDatabase, operatorId: string, rows: ResultRow[]) {
  const ledger = await db.sql<
    {
      job_id: string;
      telephone_number: string;
      outcome: string | null;
      current_status: string | null;
    }[]
  >`select i.job_id, i.telephone_number, i.outcome, i.current_status from job_items i
    join jobs j on j.id = i.job_id where j.operator_id = ${operatorId}`;
  const byNumber = new Map<string, (typeof ledger)[number][]>();
  for (const item of ledger)
    byNumber.set(item.telephone_number, [...(byNumber.get(item.telephone_number) ?? []), item]);
  for (const [number, items] of byNumber)
    expect(items, `${number} in ${items.length} jobs`).toHaveLength(1);
  const withJob = rows.filter((r) => r.jobId !== '' && r.outcome !== 'NOT_PROCESSED');
  for (const row of withJob) {
    const item = byNumber.get(row.telephoneNumber)?.[0];
    expect(item, row.telephoneNumber).toMatchObject({ job_id: row.jobId, outcome: row.outcome });
    if (row.outcome !== 'SUCCEEDED') expect(item?.current_status ?? '').toBe(row.currentStatus);
  }
  for (const row of rows.filter(
    (r) => r.outcome === 'NOT_PROCESSED' || r.outcome === 'NOT_SUBMITTED',
  )) {
    expect(byNumber.get(row.telephoneNumber), row.telephoneNumber).toBeUndefined();
  }
  expect(withJob).toHaveLength(ledger.length);
}

function shuffle<T>(items: T[]): T[] {
  let seed = 12345;
  for (let i = items.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/**
 * The client's exit code, or 'still running' (and the child killed) after `ms`: a client that
 * would wait forever fails its test instead of hanging it.
 */
export async function exitWithin(run: ClientRun, ms: number): Promise<number | string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still running'>((resolve) => {
    timer = setTimeout(() => resolve('still running'), ms);
  });
  const code = await Promise.race([run.exited, late]);
  clearTimeout(timer);
  if (code === 'still running') {
    run.child.kill('SIGKILL');
    await run.exited;
  }
  return code;
}
