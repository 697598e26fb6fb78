import type postgres from 'postgres';

// Settings every session on the service's database needs. They are stored on the database
// (ALTER DATABASE … SET), not sent as connection startup parameters, because PgBouncer refuses
// startup parameters it does not know (and, if told to ignore them, silently drops them); a
// stored setting reaches every new server session, pooled or not. New sessions only: the
// migrate step runs before any process opens its pool.
export const DATABASE_SETTINGS = {
  // Postgres notices a vanished client only when it next talks to it, so a worker killed while
  // its chunk waits on a row lock would keep its backend, and the job-row lock, until that wait
  // ended (blocking a cancel meanwhile). With this check (PostgreSQL 14+, on Linux, macOS and
  // the BSDs) such a backend ends within about a second.
  client_connection_check_interval: '1s',
} as const;

/**
 * Stores DATABASE_SETTINGS on the database `sql` is connected to; idempotent. Needs the
 * database's owner (or a superuser) and PostgreSQL 14+: otherwise it warns and returns false,
 * and the service runs without the settings.
 */
export async function applyDatabaseSettings(sql: postgres.Sql): Promise<boolean> {
  const [row] = await sql<{ name: string }[]>`select current_database() as name`;
  if (!row) return false;
  try {
    for (const [setting, value] of Object.entries(DATABASE_SETTINGS)) {
      // Names and values are constants above; the database name is quoted as an identifier.
      const database = `"${row.name.replaceAll('"', '""')}"`;
      await sql.unsafe(`alter database ${database} set ${setting} = '${value}'`);
    }
    return true;
  } catch (err) {
    // 42501: not the database's owner; 42704: a Postgres before 14 (no such parameter).
    const code = (err as { code?: string }).code;
    if (code !== '42501' && code !== '42704') throw err;
    process.emitWarning(
      `could not ALTER DATABASE ${row.name} (${code}): ${Object.keys(DATABASE_SETTINGS).join(', ')} not set; run the migrate step as the database's owner on PostgreSQL 14 or newer`,
    );
    return false;
  }
}
