// The message body (docs/api.md "Webhooks"): the event, when it happened, and the job's counts and times —
// never a telephone number (the receiver reads them from …/jobs/{jobId}/items). Built with a
// fixed key order from the stored message, so every attempt sends the same bytes.

export interface StoredMessage {
  messageId: string;
  type: string;
  /** Written by the outbox trigger (drizzle/0006_webhooks.sql). */
  data: Record<string, unknown>;
  createdAt: Date | string;
}

const DATA_KEYS = [
  'jobId',
  'operation',
  'state',
  'requestedCount',
  'processedCount',
  'successCount',
  'failedCount',
  'createdAt',
  'finishedAt',
] as const;

export function messageBody(message: StoredMessage): string {
  const data = Object.fromEntries(DATA_KEYS.map((key) => [key, message.data[key] ?? null]));
  const timestamp = new Date(message.createdAt).toISOString();
  return JSON.stringify({ type: message.type, timestamp, data });
}
