import type { ClientIo } from './io.ts';
import { UNKNOWN } from './outcomes.ts';
import type { Plan } from './plan.ts';
import type { Tally } from './tally.ts';

export interface RunFacts {
  operation: string;
  file: string;
  url: string;
  dryRun: boolean;
  fresh: boolean;
  out: string | undefined;
  inputNumbers: number;
  toSend: number;
  invalid: number;
  duplicates: number;
  batches: number;
  submitted: number;
  replayed: number;
  resent: number;
  rateLimited: number;
  elapsedMs: number;
  interrupted: boolean;
  error: string | undefined;
  exitCode: number;
}

/** The --json document: one object, printed once at the end. */
export function jsonSummary(facts: RunFacts, tally: Tally) {
  const done = tally.rows - tally.notDone - facts.invalid - facts.duplicates;
  return {
    ...facts,
    outcomes: Object.fromEntries(tally.byOutcome),
    succeeded: tally.succeeded,
    failed: Object.values(tally.failedRules).reduce((a, b) => a + b, 0),
    notProcessed: tally.count('NOT_PROCESSED'),
    notSubmitted: tally.count('NOT_SUBMITTED'),
    unknown: tally.count(UNKNOWN),
    numbersPerSecond: Math.round(done / Math.max(0.001, facts.elapsedMs / 1000)),
  };
}

export function humanSummary(facts: RunFacts, tally: Tally): string {
  const json = jsonSummary(facts, tally);
  const n = (v: number) => v.toLocaleString('en-US');
  const width = Math.max(14, ...[...tally.byOutcome.keys()].map((k) => k.length + 2));
  const lines = [
    `${facts.dryRun ? 'Dry run of ' : ''}${facts.operation}: ${n(facts.toSend)} numbers in ${n(facts.batches)} batches ` +
      `(${n(facts.submitted)} submitted, ${n(facts.replayed)} replayed` +
      `${facts.resent > 0 ? `, ${n(facts.resent)} unprocessed numbers resent` : ''}) in ` +
      `${(facts.elapsedMs / 1000).toFixed(1)} s, ${n(json.numbersPerSecond)} numbers/s`,
    ...[...tally.byOutcome].map(
      ([outcome, count]) => `  ${outcome.padEnd(width)}${n(count).padStart(8)}`,
    ),
    `  429 answers met: ${facts.rateLimited}`,
  ];
  if (facts.interrupted) lines.push('Interrupted: jobs in flight were cancelled.');
  if (facts.out) lines.push(`Results: ${facts.out}`);
  return `${lines.join('\n')}\n`;
}

const LISTED_LINES_MAX = 1000;

/** Invalid and repeated lines on stderr, with their line numbers (the first 1,000 of each). */
export function listRejectedLines(io: ClientIo, plan: Plan) {
  for (const r of plan.invalid.slice(0, LISTED_LINES_MAX)) {
    io.stderr.write(`line ${r.line}: ${r.value}: ${r.errorCode}: ${r.detail}\n`);
  }
  if (plan.invalid.length > LISTED_LINES_MAX) {
    io.stderr.write(`… and ${plan.invalid.length - LISTED_LINES_MAX} more invalid lines\n`);
  }
  for (const r of plan.duplicates.slice(0, LISTED_LINES_MAX)) {
    io.stderr.write(`line ${r.line}: ${r.number}: repeats line ${r.firstLine}; sent once\n`);
  }
  if (plan.duplicates.length > LISTED_LINES_MAX) {
    io.stderr.write(`… and ${plan.duplicates.length - LISTED_LINES_MAX} more repeated lines\n`);
  }
}

export const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
