// The columns of a job's items as CSV, in order: the API's `Accept: text/csv` answer and the
// client's `jobs items` print the same file. In src/domain, which imports nothing, so the
// bulk client reads it without reaching server code.

export const JOB_ITEM_CSV_COLUMNS = [
  'position',
  'telephoneNumber',
  'outcome',
  'currentStatus',
  'detail',
  'processedAt',
] as const;
