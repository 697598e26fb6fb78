import type { OperationName } from '../../domain/operations.ts';
import { assertDryRunSupported } from './dry-run.ts';
import { EXIT, inputError } from './errors.ts';
import { createApiClient } from './http.ts';
import { readInputFile } from './input.ts';
import type { ClientIo } from './io.ts';
import { createJobApi } from './job-api.ts';
import { Pacer } from './pacing.ts';
import { freshSalt, planSubmission } from './plan.ts';
import { createProgress } from './progress.ts';
import { openResultsFile } from './results-file.ts';
import { createRowWriter } from './rows.ts';
import { runBatches } from './run-batches.ts';
import { resolveSettings } from './settings.ts';
import { humanSummary, jsonSummary, listRejectedLines, plural, type RunFacts } from './summary.ts';
import { Tally } from './tally.ts';

export interface SubmitOptions {
  file: string;
  operation: OperationName;
  url?: string | undefined;
  keyFile?: string | undefined;
  tokenFile?: string | undefined;
  dryRun: boolean;
  out?: string | undefined;
  skipInvalid: boolean;
  json: boolean;
  /** New Idempotency-Keys: no batch replays an earlier run's job. */
  fresh: boolean;
  /** `--batch-timeout <seconds>` as given. */
  batchTimeout?: string | undefined;
}

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
    tokenFile: options.tokenFile,
    batchTimeout: options.batchTimeout,
  });
  const input = await readInputFile(options.file, io.stdin);
  if (input.length === 0) throw inputError(`no telephone numbers in ${options.file}`);
  const keySalt = options.fresh ? freshSalt() : '';
  const plan = planSubmission(input, {
    operation: options.operation,
    phoneValidation: settings.phoneValidation,
    keySalt,
  });
  listRejectedLines(io, plan);
  if (plan.invalid.length > 0 && !options.skipInvalid) {
    throw inputError(
      `${plural(plan.invalid.length, 'invalid line')} in ${options.file}; nothing was sent (fix them, or pass --skip-invalid to send the rest)`,
    );
  }
  const sink = options.out ? await openResultsFile(options.out) : undefined;
  const api = createApiClient(settings.baseUrl, settings.credential);
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
      batchTimeoutMs: settings.batchTimeoutMs,
      keySalt,
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
    fresh: options.fresh,
    out: options.out,
    inputNumbers: input.length,
    toSend: plan.sendCount,
    invalid: plan.invalid.length,
    duplicates: plan.duplicates.length,
    batches: plan.batches.length,
    submitted: run.submitted,
    replayed: run.replayed,
    resent: run.resent,
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
