// The one timestamp convention: a timestamptz reaches the domain as a `Date`, and ISO 8601 text
// is made where a row leaves the process (the views in src/api/views/, the console, webhooks).
// The Drizzle builder maps timestamptz columns to `Date` itself. postgres.js templates receive
// them as Postgres text, because Drizzle sets the shared pool up to leave them so, and their
// statement functions convert them with these. One exception, said where it is: the inventory
// reads (src/numbers/inventory-queries.ts) have Postgres write the API's text, since their rows
// only ever leave as JSON or CSV and the export would otherwise build a Date per field.

export const toDate = (text: string): Date => new Date(text);

export const toDateOrNull = (text: string | null): Date | null =>
  text === null ? null : new Date(text);
