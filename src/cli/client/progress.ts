import cliProgress from 'cli-progress';
import type { ClientOutput } from './io.ts';

// Progress on stderr: a bar on a terminal (cli-progress); one plain line per batch otherwise
// (CI logs: no escape codes). stdout stays free for the summary or the --json document.

export interface BatchReport {
  index: number;
  numbers: number;
  succeeded: number;
  failed: number;
  jobIds: readonly string[];
  replayed: boolean;
  note?: string;
}

export interface Progress {
  batchDone(report: BatchReport): void;
  message(text: string): void;
  stop(): void;
}

export function createProgress(
  stderr: ClientOutput,
  totals: { numbers: number; batches: number },
): Progress {
  const started = performance.now();
  let done = 0;
  let succeeded = 0;
  let failed = 0;
  const rate = () => Math.round(done / Math.max(0.001, (performance.now() - started) / 1000));
  const add = (r: BatchReport) => {
    done += r.numbers;
    succeeded += r.succeeded;
    failed += r.failed;
  };

  if (stderr.isTTY) {
    const bar = new cliProgress.SingleBar({
      stream: stderr as NodeJS.WritableStream,
      format:
        '{bar} {percentage}% | {value}/{total} numbers | {succeeded} succeeded, {failed} failed | {rate}/s | ETA {eta_formatted}',
      hideCursor: true,
      gracefulExit: false,
      etaBuffer: 20,
    });
    bar.start(totals.numbers, 0, { succeeded: 0, failed: 0, rate: 0 });
    return {
      batchDone(r) {
        add(r);
        bar.update(done, { succeeded, failed, rate: rate() });
      },
      message(text) {
        // Above the bar: clear its line, write, let the bar redraw.
        stderr.write(`\r\x1b[2K${text}\n`);
        bar.render();
      },
      stop: () => bar.stop(),
    };
  }
  return {
    batchDone(r) {
      add(r);
      const jobs = r.jobIds.length > 0 ? ` job ${r.jobIds.join(' + ')}` : '';
      const replay = r.replayed ? ' (replayed)' : '';
      const note = r.note ? ` ${r.note}` : '';
      stderr.write(
        `batch ${r.index + 1}/${totals.batches}: ${r.numbers} numbers, ${r.succeeded} succeeded, ` +
          `${r.failed} failed${jobs}${replay}${note} | ${done}/${totals.numbers} numbers done, ${rate()}/s\n`,
      );
    },
    message: (text) => stderr.write(`${text}\n`),
    stop() {},
  };
}
