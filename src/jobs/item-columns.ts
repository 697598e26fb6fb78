// The columns of a job's items as CSV, in order: the API's `Accept: text/csv` answer and the
// client's `jobs items` print the same file. No imports on purpose: the bulk client uses this
// module and must not reach database code.

export const JOB_ITEM_CSV_COLUMNS = [
  'position',
  'telephoneNumber',
  'outcome',
  'currentStatus',
  'detail',
  'processedAt',
] as const;
