import { once } from 'node:events';
import { open } from 'node:fs/promises';
import { inputError } from './errors.ts';
import type { RowOutcome } from './outcomes.ts';

// `--out`: one row per input number, in file order, written as soon as the rows before it are
// known, so a long run's file grows as it goes and an interrupted run keeps what it has.

export const RESULT_COLUMNS = ['telephoneNumber', 'outcome', 'currentStatus', 'detail', 'jobId'];

export interface ResultsSink {
  row(telephoneNumber: string, outcome: RowOutcome): void;
  close(): Promise<void>;
}

export async function openResultsFile(path: string): Promise<ResultsSink> {
  // Opened before anything is sent: a path that cannot be written is an input error.
  const handle = await open(path, 'w').catch((err: NodeJS.ErrnoException) => {
    throw inputError(`cannot write --out ${path}: ${err.code ?? err.message}`);
  });
  const stream = handle.createWriteStream({ encoding: 'utf8' });
  stream.write(`${RESULT_COLUMNS.join(',')}\n`);
  return {
    row(telephoneNumber, o) {
      const cells = [telephoneNumber, o.outcome, o.currentStatus, o.detail, o.jobId];
      stream.write(`${cells.map(csvField).join(',')}\n`);
    },
    async close() {
      stream.end();
      await once(stream, 'close');
    },
  };
}

export function csvField(value: string | undefined | null): string {
  const text = value ?? '';
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
