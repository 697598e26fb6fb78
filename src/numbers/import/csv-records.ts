import { CsvError } from 'csv-parse';
import { parse as parseRecords } from 'csv-parse/sync';

// The inventory file's records with the line each starts on, read fast. An inventory line is
// nearly always five plain fields, so a line without a double quote is split at its commas
// here (csv-parse costs about four times as much per line, which alone would hold an import
// of millions of rows under 100,000 rows/s). A line with a quote, and everything up to where
// its quotes balance (a quoted field may hold commas and line breaks), and a line of only
// blanks, are handed to csv-parse with the options the import always used, so such records
// read exactly as before: fields trimmed, any number of fields, empty lines skipped, a
// malformed record an error naming its first line.

export interface CsvRecord {
  /** The line the record starts on (1-based; empty lines count). */
  line: number;
  fields: string[];
}

/** The rest of the file cannot be read: a syntax error in the record starting at `line`. */
export class MalformedCsvError extends Error {
  override name = 'MalformedCsvError';
  readonly line: number;
  constructor(line: number, message: string) {
    super(`malformed CSV: ${message}`);
    this.line = line;
  }
}

const CSV_OPTIONS = { trim: true, relax_column_count: true, skip_empty_lines: true } as const;

function parseWithCsvParse(text: string, line: number): string[][] {
  try {
    return parseRecords(text, CSV_OPTIONS) as string[][];
  } catch (err) {
    if (err instanceof CsvError) throw new MalformedCsvError(line, err.message);
    throw err;
  }
}

const quotesIn = (text: string) => {
  let n = 0;
  for (let i = text.indexOf('"'); i !== -1; i = text.indexOf('"', i + 1)) n++;
  return n;
};

/** Reads `source` (bytes or text) as batches of records, one batch per chunk read. */
export async function* csvRecords(
  source: AsyncIterable<string | Uint8Array>,
): AsyncGenerator<CsvRecord[]> {
  const decoder = new TextDecoder('utf-8');
  let carried = '';
  let lineNumber = 0;
  let first = true;
  // A record with quotes, gathered until its quotes balance.
  let quoted: { line: number; text: string; quotes: number } | undefined;

  const take = (raw: string, batch: CsvRecord[]) => {
    lineNumber++;
    if (quoted) {
      quoted.text += `\n${raw}`;
      quoted.quotes += quotesIn(raw);
      if (quoted.quotes % 2 === 0) {
        for (const fields of parseWithCsvParse(quoted.text, quoted.line)) {
          batch.push({ line: quoted.line, fields });
        }
        quoted = undefined;
      }
      return;
    }
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') return;
    const quotes = quotesIn(line);
    if (quotes > 0) {
      quoted = { line: lineNumber, text: raw, quotes: 0 };
      quoted.quotes = quotes;
      if (quotes % 2 === 0) {
        for (const fields of parseWithCsvParse(raw, lineNumber))
          batch.push({ line: lineNumber, fields });
        quoted = undefined;
      }
      return;
    }
    if (line.trim() === '') {
      for (const fields of parseWithCsvParse(line, lineNumber))
        batch.push({ line: lineNumber, fields });
      return;
    }
    const fields = line.split(',');
    for (let i = 0; i < fields.length; i++) fields[i] = (fields[i] as string).trim();
    batch.push({ line: lineNumber, fields });
  };

  for await (const chunk of source) {
    let text =
      carried + (typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    if (first && text !== '') {
      if (text.startsWith('\uFEFF')) text = text.slice(1);
      first = false;
    }
    const batch: CsvRecord[] = [];
    let start = 0;
    try {
      for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
        take(text.slice(start, end), batch);
        start = end + 1;
      }
    } catch (err) {
      // The records before the malformed one are read: they are handed over first.
      if (batch.length > 0) yield batch;
      throw err;
    }
    carried = text.slice(start);
    if (batch.length > 0) yield batch;
  }
  const rest = carried + decoder.decode();
  const batch: CsvRecord[] = [];
  if (rest !== '') take(rest, batch);
  if (quoted) parseWithCsvParse(quoted.text, quoted.line); // unbalanced quotes: throws
  if (batch.length > 0) yield batch;
}
