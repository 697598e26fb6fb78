import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { ClientError, inputError } from './errors.ts';

// Input: a CSV with a telephoneNumber column (the service's own list export works as is), or
// a plain list with one number per line ("#" comments and blank lines ignored). The file is
// streamed; only each line's number and line number are kept.

export interface InputRecord {
  line: number;
  value: string;
}

export const NUMBER_COLUMN = 'telephoneNumber';

/** Opens `file` ("-" = stdin) and reads every number in it, in file order. */
export async function readInputFile(
  file: string,
  stdin: NodeJS.ReadableStream | undefined,
): Promise<InputRecord[]> {
  if (file === '-') {
    if (!stdin) throw inputError('no standard input to read from');
    return readInput(Readable.from(stdin));
  }
  // Opening first turns a missing or unreadable file into one clear message.
  const handle = await open(file, 'r').catch((err: NodeJS.ErrnoException) => {
    const why = err.code === 'ENOENT' ? 'no such file' : (err.code ?? err.message);
    throw inputError(`cannot read ${file}: ${why}`);
  });
  return readInput(handle.createReadStream({ encoding: 'utf8' }));
}

export async function readInput(source: Readable): Promise<InputRecord[]> {
  const { head, rest } = await peekFirstLine(source);
  const first = meaningful(head);
  const isCsv = first !== undefined && (first.includes(',') || unquote(first) === NUMBER_COLUMN);
  const whole = Readable.from(prepend(head, rest));
  return isCsv ? readCsv(whole) : readList(whole);
}

/** The first non-blank, non-comment line of the chunk read so far, if complete. */
function meaningful(head: string): string | undefined {
  for (const line of head.split(/\r?\n/)) {
    const trimmed = line.replace(/^\uFEFF/, '').trim();
    if (trimmed !== '' && !trimmed.startsWith('#')) return trimmed;
  }
  return undefined;
}

const unquote = (s: string) => s.replace(/^"(.*)"$/, '$1');

/** Reads until the first meaningful line is complete (or the input ends). */
async function peekFirstLine(source: Readable) {
  const rest = source[Symbol.asyncIterator]();
  let head = '';
  for (;;) {
    const lines = head.split(/\r?\n/);
    if (lines.length > 1 && meaningful(lines.slice(0, -1).join('\n')) !== undefined) break;
    const next = await rest.next();
    if (next.done) break;
    head += typeof next.value === 'string' ? next.value : Buffer.from(next.value).toString('utf8');
  }
  return { head, rest };
}

async function* prepend(head: string, rest: AsyncIterator<unknown>) {
  if (head) yield head;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield typeof next.value === 'string' ? next.value : Buffer.from(next.value as Uint8Array);
  }
}

async function readList(source: Readable): Promise<InputRecord[]> {
  const records: InputRecord[] = [];
  let line = 0;
  for await (const raw of createInterface({ input: source, crlfDelay: Number.POSITIVE_INFINITY })) {
    line++;
    const value = (line === 1 ? raw.replace(/^\uFEFF/, '') : raw).trim();
    if (value === '' || value.startsWith('#')) continue;
    records.push({ line, value });
  }
  return records;
}

async function readCsv(source: Readable): Promise<InputRecord[]> {
  const parser = source.pipe(
    parse({
      bom: true,
      columns: (header: string[]) => {
        const names = header.map((h) => h.trim());
        if (!names.includes(NUMBER_COLUMN)) {
          throw inputError(
            `the CSV header has no ${NUMBER_COLUMN} column (it has: ${names.join(', ')})`,
          );
        }
        return names;
      },
      comment: '#',
      comment_no_infix: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
    }),
  );
  const records: InputRecord[] = [];
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: Record<string, string | undefined>;
      info: { lines: number };
    }>) {
      records.push({ line: info.lines, value: (record[NUMBER_COLUMN] ?? '').trim() });
    }
  } catch (err) {
    if (err instanceof ClientError) throw err;
    throw inputError(`the CSV cannot be read: ${(err as Error).message}`);
  }
  return records;
}
