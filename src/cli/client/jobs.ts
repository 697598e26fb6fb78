import { setTimeout as sleep } from 'node:timers/promises';
import cliProgress from 'cli-progress';
import { JOB_ITEM_CSV_COLUMNS } from '../../domain/item-columns.ts';
import { EXIT } from './errors.ts';
import { createApiClient, retryAfterMs } from './http.ts';
import type { ClientIo } from './io.ts';
import { checkJobId, createJobApi, isEnded, JOBS_PATH, type JobView } from './job-api.ts';
import { csvField } from './results-file.ts';
import { resolveSettings } from './settings.ts';
import type { JobListEntry } from './shapes.ts';

// `jobs list|get|watch|cancel|items`: the job API from a terminal.

export interface JobsOptions {
  url?: string | undefined;
  keyFile?: string | undefined;
  tokenFile?: string | undefined;
  json: boolean;
}

async function connect(io: ClientIo, options: JobsOptions) {
  const settings = await resolveSettings({
    env: io.env,
    url: options.url,
    keyFile: options.keyFile,
    tokenFile: options.tokenFile,
  });
  const api = createApiClient(settings.baseUrl, settings.credential);
  return { jobs: createJobApi(api, settings.retries) };
}

const line = (job: JobListEntry) => {
  const p = job.progress;
  const status = job.result ? ` ${job.result.status}` : '';
  return `${job.jobId}  ${job.operation.padEnd(20)} ${job.state.padEnd(9)}${status.padEnd(15)} ${p.processedCount}/${p.requestedCount} processed, ${p.successCount} succeeded  ${job.createdAt}`;
};

export async function jobsList(
  io: ClientIo,
  options: JobsOptions & { state?: string | undefined; limit: number },
): Promise<number> {
  const { jobs } = await connect(io, options);
  const page = await jobs.list({
    limit: String(options.limit),
    ...(options.state && { state: options.state }),
  });
  if (options.json) io.stdout.write(`${JSON.stringify(page)}\n`);
  else for (const job of page.data) io.stdout.write(`${line(job)}\n`);
  if (!options.json && page.data.length === 0) io.stdout.write('No jobs.\n');
  return EXIT.ok;
}

export async function jobsGet(io: ClientIo, options: JobsOptions & { jobId: string }) {
  const { jobs } = await connect(io, options);
  const { view } = await jobs.get(`${JOBS_PATH}/${checkJobId(options.jobId)}`);
  io.stdout.write(options.json ? `${JSON.stringify(view)}\n` : describeJob(view));
  return EXIT.ok;
}

export async function jobsCancel(io: ClientIo, options: JobsOptions & { jobId: string }) {
  const { jobs } = await connect(io, options);
  const jobId = checkJobId(options.jobId);
  const { view, alreadyEnded } = await jobs.cancel(jobId);
  if (options.json) io.stdout.write(`${JSON.stringify(view)}\n`);
  else {
    if (alreadyEnded) io.stdout.write(`Job ${jobId} had already ${view.state}; nothing changed.\n`);
    io.stdout.write(describeJob(view));
  }
  return alreadyEnded ? EXIT.someFailed : EXIT.ok;
}

export async function jobsItems(
  io: ClientIo,
  options: JobsOptions & { jobId: string; outcome?: string | undefined },
) {
  const { jobs } = await connect(io, options);
  const items = await jobs.items(
    checkJobId(options.jobId),
    options.outcome ? { outcome: options.outcome } : {},
  );
  if (options.json) {
    io.stdout.write(`${JSON.stringify(items)}\n`);
    return EXIT.ok;
  }
  io.stdout.write(`${JOB_ITEM_CSV_COLUMNS.join(',')}\n`);
  for (const item of items) {
    io.stdout.write(
      `${JOB_ITEM_CSV_COLUMNS.map((c) => csvField(item[c] === undefined ? '' : String(item[c]))).join(',')}\n`,
    );
  }
  return EXIT.ok;
}

/** Follows a job until it ends: a bar on a terminal, a line per change otherwise. */
export async function jobsWatch(
  io: ClientIo,
  options: JobsOptions & { jobId: string },
  interrupt: AbortSignal,
) {
  const { jobs } = await connect(io, options);
  const path = `${JOBS_PATH}/${checkJobId(options.jobId)}`;
  let bar: cliProgress.SingleBar | undefined;
  let last = '';
  for (;;) {
    const { view, answer } = await jobs.get(path);
    const p = view.progress;
    if (io.stderr.isTTY) {
      bar ??= new cliProgress.SingleBar({
        stream: io.stderr as NodeJS.WritableStream,
        format: '{bar} {percentage}% | {value}/{total} numbers | {succeeded} succeeded | {state}',
        gracefulExit: false,
      });
      if (!bar.isActive) bar.start(p.requestedCount, 0);
      bar.update(p.processedCount, { succeeded: p.successCount, state: view.state });
    } else if (line(view) !== last) {
      last = line(view);
      io.stderr.write(`${last}\n`);
    }
    if (isEnded(view.state)) {
      bar?.stop();
      io.stdout.write(options.json ? `${JSON.stringify(view)}\n` : describeJob(view));
      if (view.state === 'failed') return EXIT.service;
      return view.result?.succeeded ? EXIT.ok : EXIT.someFailed;
    }
    const waited = await sleep(Math.min(500, retryAfterMs(answer.headers) ?? 500), true, {
      signal: interrupt,
    }).catch(() => false);
    if (!waited) {
      bar?.stop();
      io.stderr.write('Stopped watching; the job goes on.\n');
      return EXIT.interrupted;
    }
  }
}

function describeJob(job: JobView): string {
  const p = job.progress;
  const lines = [
    `job        ${job.jobId}`,
    `operation  ${job.operation}`,
    `state      ${job.state}`,
    `created    ${job.createdAt}`,
    `started    ${job.startedAt ?? '-'}`,
    `finished   ${job.finishedAt ?? '-'}`,
    `progress   ${p.processedCount}/${p.requestedCount} processed (${p.percent} %), ${p.successCount} succeeded, ${p.failedCount} failed`,
  ];
  if (job.result) lines.push(`result     ${job.result.status}: ${job.result.message}`);
  return `${lines.join('\n')}\n`;
}
