import { withTransientRetry } from '../../db/retry.ts';
import {
  type ChunkVerdicts,
  chunkEnd,
  chunkVerdicts,
  classifyChunk,
  createChunkTable,
  ensureOperators,
  insertNumbers,
  updateNumbers,
  upsertCustomers,
  type Verdict,
} from './merge-sql.ts';
import type { RejectedRow } from './row.ts';
import type { Conn } from './staging.ts';
import { timed } from './timings.ts';

export interface MergeTotals {
  inserted: number;
  updated: number;
  unchanged: number;
  operatorsCreated: string[];
  customersCreated: number;
  customersUpdated: number;
}

/**
 * Merges the staged rows of `parts` (contract.ts; one part, or all when one connection staged
 * the whole file) into the inventory in chunks of about `chunkSize` rows, each one transaction,
 * in E.164 order. A chunk is a range of the staged numbers, so every line of a number falls in
 * one chunk, and what each line gets does not depend on where the chunks end.
 */
export async function mergeStaged(
  conn: Conn,
  parts: readonly number[],
  chunkSize: number,
  onRejected: (rejected: RejectedRow) => void,
  /** Stops before the next chunk when another part has failed (its error is the import's). */
  stopped: () => boolean = () => false,
): Promise<MergeTotals> {
  await createChunkTable(conn);
  const totals: MergeTotals = {
    inserted: 0,
    updated: 0,
    unchanged: 0,
    operatorsCreated: [],
    customersCreated: 0,
    customersUpdated: 0,
  };
  let after: string | null = null;
  for (;;) {
    if (stopped()) return totals;
    const upTo = await timed('chunkEnd', () => chunkEnd(conn, after, chunkSize));
    const chunk = await withTransientRetry(() => mergeChunk(conn, parts, after, upTo));
    totals.inserted += chunk.inserted;
    totals.updated += chunk.updated;
    totals.unchanged += chunk.verdicts.counts.get('unchanged') ?? 0;
    totals.operatorsCreated.push(...chunk.operatorsCreated);
    totals.customersCreated += chunk.customers.created;
    totals.customersUpdated += chunk.customers.updated;
    for (const refused of chunk.verdicts.refused) onRejected(rejection(refused));
    if (upTo === null) return totals;
    after = upTo;
  }
}

async function mergeChunk(
  conn: Conn,
  parts: readonly number[],
  after: string | null,
  upTo: string | null,
) {
  await conn`begin`;
  try {
    // Losing the last commits in a crash loses nothing: the import is run again. Not waiting
    // for each chunk's WAL flush keeps the disk out of the loop.
    await conn`set local synchronous_commit = off`;
    // One importer at a time per part, so two imports of overlapping files cannot race on the
    // same rows (the parts of two imports are the same: contract.ts). Several parts are locked
    // in their order, so two chunks never wait for each other's.
    for (const part of parts) {
      await conn`select pg_advisory_xact_lock(hashtext('oc-numbers:import'), ${part}::int)`;
    }
    await timed('classify', () => classifyChunk(conn, after, upTo));
    const operatorsCreated = await timed('operators', () => ensureOperators(conn));
    const customers = await timed('customers', () => upsertCustomers(conn));
    const inserted = await timed('insert', () => insertNumbers(conn));
    const updated = await timed('update', () => updateNumbers(conn));
    const verdicts: ChunkVerdicts = await timed('verdicts', () => chunkVerdicts(conn));
    await timed('commit', () => conn`commit`);
    return { inserted, updated, operatorsCreated, customers, verdicts };
  } catch (err) {
    await conn`rollback`.catch(() => undefined);
    throw err;
  }
}

const REASONS: Partial<Record<Verdict, (r: ChunkVerdicts['refused'][number]) => string>> = {
  duplicate: (r) => duplicateReason(r.firstLine),
  foreign: () => 'the number belongs to another operator; an import never moves numbers',
  final: (r) =>
    `the number is ReadyForRemoval, which is final; the import cannot make it ${r.status}`,
  raced: () => 'changed by another process during the import; import again',
};

function rejection(r: ChunkVerdicts['refused'][number]): RejectedRow {
  const reason = REASONS[r.verdict]?.(r) ?? r.verdict;
  return { line: r.line, telephoneNumber: r.e164, reason };
}

const duplicateReason = (firstLine: number) =>
  `duplicate: the number is already on line ${firstLine}`;

/** A later line of a number already listed on `firstLine` (a first load finds these itself). */
export function duplicateRejection(d: {
  line: number;
  e164: string;
  firstLine: number;
}): RejectedRow {
  return { line: d.line, telephoneNumber: d.e164, reason: duplicateReason(d.firstLine) };
}
