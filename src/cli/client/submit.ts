import { assertDryRunSupported } from './dry-run.ts';
import { EXIT, inputError } from './errors.ts';
import { createApiClient } from './http.ts';
import { readInputFile } from './input.ts';
import type { ClientIo } from './io.ts';
import { createJobApi } from './job-api.ts';
import { Pacer } from './pacing.ts';
import { type Operation, type Plan, planSubmission } from './plan.ts';
import { createProgress } from './progress.ts';
import { openResultsFile } from './results-file.ts';
import { createRowWriter } from './rows.ts';
import { runBatches } from './run-batches.ts';
import { resolveSettings } from './settings.ts';
import { humanSummary, jsonSummary, type RunFacts } from './summary.ts';
import { Tally } from './tally.ts';

export interface SubmitOptions {
  file: string;
  operation: Operation;
  url?: string | undefined;
  keyFile?: string | undefined;
  dryRun: boolean;
  out?: string | undefined;
  skipInvalid: boolean;
  json: boolean;
}

const LISTED_LINES_MAX = 1000;

/** `submit`: the whole run; returns the exit code. `interrupt` is aborted by Ctrl-C. */
export async function submit(
  io: ClientIo,
  options: SubmitOptions,
  interrupt: AbortSignal,
): Promise<number> {
  const settings = await resolveSettings({
    env: io.env,
    url: options.url,
    keyFile: options.keyFile,
  });
  const input = await readInputFile(options.file, io.stdin);
  if (input.length === 0) throw inputError(`no telephone numbers in ${options.file}`);
  const plan = planSubmission(input, {
    operation: options.operation,
    phoneValidation: settings.phoneValidation,
  });
  listRejectedLines(io, plan);
  if (plan.invalid.length > 0 && !options.skipInvalid) {
    throw inputError(
      `${plural(plan.invalid.length, 'invalid line')} in ${options.file}; nothing was sent (fix them, or pass --skip-invalid to send the rest)`,
    );
  }
  const sink = options.out ? await openResultsFile(options.out) : undefined;
  const api = createApiClient(settings.baseUrl, settings.apiKey);
  if (options.dryRun) await assertDryRunSupported(api, options.operation);

  const started = performance.now();
  const tally = new Tally();
  const rows = createRowWriter(plan, sink, tally);
  const pacer = new Pacer();
  const progress = createProgress(io.stderr, {
    numbers: plan.sendCount,
    batches: plan.batches.length,
  });
  const onInterrupt = () =>
    progress.message('Interrupted: cancelling the jobs in flight and writing the results…');
  interrupt.addEventListener('abort', onInterrupt, { once: true });
  const run = await runBatches(
    plan.batches,
    {
      api,
      jobs: createJobApi(api, settings.retries),
      pacer,
      retries: settings.retries,
      operation: options.operation,
      dryRun: options.dryRun,
      interrupt,
    },
    (done) => {
      rows.batchDone(done.batch.index, done.outcomes);
      const succeeded = done.outcomes.filter((o) => /SUCCEED/.test(o.outcome)).length;
      progress.batchDone({
        index: done.batch.index,
        numbers: done.outcomes.length,
        succeeded,
        failed: done.outcomes.length - succeeded,
        jobIds: done.jobIds,
        replayed: done.replayed,
        // A dry run's "succeeded" means "would succeed": say so on every line.
        ...(options.dryRun && { note: '(dry run: nothing changed)' }),
        ...(done.unknown && { note: 'result unknown' }),
      });
    },
  );
  interrupt.removeEventListener('abort', onInterrupt);
  progress.stop();
  rows.finish();
  await sink?.close();

  const interrupted = interrupt.aborted;
  const exitCode = interrupted
    ? EXIT.interrupted
    : run.fatal
      ? run.fatal.exitCode
      : tally.succeeded === plan.sendCount && plan.invalid.length === 0
        ? EXIT.ok
        : EXIT.someFailed;
  const facts: RunFacts = {
    operation: options.operation,
    file: options.file,
    url: settings.baseUrl,
    dryRun: options.dryRun,
    out: options.out,
    inputNumbers: input.length,
    toSend: plan.sendCount,
    invalid: plan.invalid.length,
    duplicates: plan.duplicates.length,
    batches: plan.batches.length,
    submitted: run.submitted,
    replayed: run.replayed,
    rateLimited: pacer.rateLimited,
    elapsedMs: Math.round(performance.now() - started),
    interrupted,
    error: run.fatal?.message,
    exitCode,
  };
  io.stdout.write(
    options.json ? `${JSON.stringify(jsonSummary(facts, tally))}\n` : humanSummary(facts, tally),
  );
  if (run.fatal && !interrupted) io.stderr.write(`error: ${run.fatal.message}\n`);
  return exitCode;
}

/** Invalid and repeated lines on stderr, with their line numbers (the first 1,000 of each). */
function listRejectedLines(io: ClientIo, plan: Plan) {
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

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
