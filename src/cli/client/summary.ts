import type { Tally } from './tally.ts';

export interface RunFacts {
  operation: string;
  file: string;
  url: string;
  dryRun: boolean;
  out: string | undefined;
  inputNumbers: number;
  toSend: number;
  invalid: number;
  duplicates: number;
  batches: number;
  submitted: number;
  replayed: number;
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
    unknown: tally.count('UNKNOWN'),
    numbersPerSecond: Math.round(done / Math.max(0.001, facts.elapsedMs / 1000)),
  };
}

export function humanSummary(facts: RunFacts, tally: Tally): string {
  const json = jsonSummary(facts, tally);
  const n = (v: number) => v.toLocaleString('en-US');
  const width = Math.max(14, ...[...tally.byOutcome.keys()].map((k) => k.length + 2));
  const lines = [
    `${facts.dryRun ? 'Dry run of ' : ''}${facts.operation}: ${n(facts.toSend)} numbers in ${n(facts.batches)} batches ` +
      `(${n(facts.submitted)} submitted, ${n(facts.replayed)} replayed) in ` +
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
