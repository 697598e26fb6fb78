import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type postgres from 'postgres';
import type { ImportRow } from './row.ts';

// The file's valid rows go to a temporary table of the import's own connection by one COPY,
// as they are read: nothing of the file stays in memory, and Postgres takes the rows in
// while the next ones are parsed. The merge (merge.ts) reads them from there.

export type Conn = postgres.ReservedSql;

export interface Staging {
  /** Queues rows for the COPY; resolves when the stream can take more. */
  write(rows: readonly ImportRow[]): Promise<void>;
  /** Ends the COPY and indexes the rows for the merge; returns how many were staged. */
  finish(): Promise<number>;
  /** Cancels a COPY not finished (the import failed), so the connection can be used again. */
  abort(): void;
}

export async function openStaging(conn: Conn): Promise<Staging> {
  // Temporary: no WAL, gone with the session; dropped first in case an earlier import on
  // this pooled connection stopped half-way.
  await conn`drop table if exists import_rows`;
  await conn`
    create temporary table import_rows (
      line integer not null, e164 text collate "C" not null, status number_status not null,
      operator_slug text not null, ms_tenant_id uuid, operator_connect boolean not null)`;
  const copy: Writable = await conn`copy import_rows from stdin`.writable();
  const ended = new Promise<void>((resolve, reject) => {
    copy.once('finish', resolve);
    copy.once('error', reject);
  });
  ended.catch(() => {});
  let staged = 0;
  let ending = false;
  return {
    async write(rows) {
      if (rows.length === 0) return;
      // COPY's text format; every value was validated (E.164 digits, a status name, a slug of
      // [a-z0-9-], a GUID), so none holds a tab, a newline or a backslash.
      let text = '';
      for (const r of rows) {
        text += `${r.line}\t${r.e164}\t${r.status}\t${r.operatorSlug}\t${r.msTenantId ?? '\\N'}\t${r.operatorConnect ? 't' : 'f'}\n`;
      }
      staged += rows.length;
      if (!copy.write(text)) await Promise.race([once(copy, 'drain'), ended]);
    },
    abort() {
      if (!ending) copy.destroy(new Error('import stopped'));
      ending = true;
    },
    async finish() {
      ending = true;
      copy.end();
      await ended;
      // One sort for the whole file: chunks are ranges of this index, and a number's lines
      // sit side by side in it (its duplicates are found within its chunk).
      await conn`create index on import_rows (e164, line)`;
      await conn`analyze import_rows`;
      return staged;
    },
  };
}
