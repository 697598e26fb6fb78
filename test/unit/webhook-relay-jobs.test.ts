import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DeliveryJobData,
  type DueAttempt,
  deliveryJobId,
  jobsOf,
  MAX_ATTEMPTS_PER_JOB,
} from '../../src/webhooks/queue.ts';

// What the relay hands to the delivery queue (src/webhooks/relay.ts, queue.ts): the attempts
// due now of one endpoint in one job, at most MAX_ATTEMPTS_PER_JOB each; a retry due later
// alone with its delay; ids that the same attempts always get again.

const [a, b] = [randomUUID(), randomUUID()];
const due = (endpointId: string, delayMs = 0, attempts = 0): DueAttempt => ({
  messageId: randomUUID(),
  endpointId,
  attempts,
  delayMs,
});

describe('the relay’s delivery jobs', () => {
  it('groups the attempts due now by endpoint, and leaves a later retry alone', () => {
    const rows = [due(a), due(b), due(a), due(a, 5000, 1), due(b), due(a)];
    const jobs = jobsOf(rows);
    expect(jobs.map((j) => [j.data.endpointId, j.data.attempts.length, j.delayMs])).toEqual([
      [a, 3, 0],
      [b, 2, 0],
      [a, 1, 5000],
    ]);
    expect(jobs[0]?.data.attempts.map((x) => x.messageId)).toEqual(
      [rows[0], rows[2], rows[5]].map((r) => r?.messageId),
    );
    expect(jobs[2]?.data.attempts).toEqual([{ messageId: rows[3]?.messageId, attempt: 2 }]);
  });

  it('cuts a burst of one endpoint into jobs of at most MAX_ATTEMPTS_PER_JOB', () => {
    const rows = Array.from({ length: 2 * MAX_ATTEMPTS_PER_JOB + 1 }, () => due(a));
    expect(jobsOf(rows).map((j) => j.data.attempts.length)).toEqual([
      MAX_ATTEMPTS_PER_JOB,
      MAX_ATTEMPTS_PER_JOB,
      1,
    ]);
  });

  it('names the same attempts the same way, one attempt as before', () => {
    const rows = [due(a), due(a)];
    const [job] = jobsOf(rows);
    const [again] = jobsOf(rows.map((r) => ({ ...r })));
    if (!job || !again) throw new Error('no job');
    expect(deliveryJobId(job.data)).toBe(deliveryJobId(again.data));
    expect(deliveryJobId(job.data)).toMatch(new RegExp(`^wh\\.${a}\\.2\\.[0-9a-f]{32}$`));
    const [other] = jobsOf([rows[0] as DueAttempt, { ...(rows[1] as DueAttempt), attempts: 1 }]);
    expect(deliveryJobId(other?.data ?? job.data)).not.toBe(deliveryJobId(job.data));
    const [one] = jobsOf([rows[0] as DueAttempt]);
    expect(one && deliveryJobId(one.data)).toBe(`wh.${rows[0]?.messageId}.${a}.1`);
  });

  it('still reads the one-attempt job data of earlier releases', () => {
    const messageId = randomUUID();
    expect(DeliveryJobData.parse({ messageId, endpointId: a, attempt: 3 })).toEqual({
      endpointId: a,
      attempts: [{ messageId, attempt: 3 }],
    });
    expect(DeliveryJobData.safeParse({ endpointId: a, attempts: [] }).success).toBe(false);
  });
});
