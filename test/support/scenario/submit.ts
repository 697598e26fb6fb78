import { expect } from 'vitest';
import type { Client } from './http.ts';
import { ASYNC, ENDPOINT } from './tenants.ts';

/** Sends `numbers` with Prefer: respond-async and returns the job id (expects 202). */
export async function submitAsync(api: Client, key: string, numbers: string[]): Promise<string> {
  const answer = await api.request('POST', ENDPOINT, {
    key,
    headers: ASYNC,
    body: { telephoneNumbers: numbers },
  });
  expect(answer.status, answer.text).toBe(202);
  return (answer.json as { jobId: string }).jobId;
}
