import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '../scenario/http.ts';
import { ASYNC, ENDPOINT, JOBS } from '../scenario/tenants.ts';

// A client's steady use of the API while the schema changes under it: `lanes` loops, each
// sending 20 fresh numbers at a time with an Idempotency-Key, by turns waiting for the answer
// (200) or respond-async (202) and then polling the job until it ends, as the bulk client does.
// Every answer is kept with its time; anything but the expected answer is a failure. A lane
// starts at most one job per JOB_GAP_MS, so the numbers last a known time, not however fast an
// idle machine answers: a migration slowed by a busy machine must not outlast the traffic.

const PER_JOB = 20;
const JOB_GAP_MS = 250;

export interface Exchange {
  what: string;
  status: number;
  body: string;
  at: number;
}

export function startTraffic(baseUrl: string, key: string, numbers: string[], lanes = 2) {
  const api = createClient(baseUrl);
  const exchanges: Exchange[] = [];
  const failures: Exchange[] = [];
  /** Jobs whose end the client saw, with the time it saw it. */
  const ended: { jobId: string; at: number }[] = [];
  let next = 0;
  let stopped = false;

  const note = (what: string, status: number, body: string, ok: boolean) => {
    const exchange = { what, status, body: body.slice(0, 300), at: Date.now() };
    exchanges.push(exchange);
    if (!ok) failures.push(exchange);
  };

  async function oneJob(n: number, batch: string[]): Promise<void> {
    const wait = n % 2 === 0;
    const answer = await api.request('POST', ENDPOINT, {
      key,
      headers: { 'idempotency-key': `"upgrade-${n}"`, ...(wait ? {} : ASYNC) },
      body: { telephoneNumbers: batch },
    });
    const body = answer.json as { data?: { jobId: string }; status?: string; jobId?: string };
    const ok = wait ? answer.status === 200 && body.status === 'success' : answer.status === 202;
    note(`POST #${n}${wait ? '' : ' async'}`, answer.status, answer.text, ok);
    const jobId = body.data?.jobId ?? body.jobId;
    if (!ok || !jobId) return;
    if (wait) {
      ended.push({ jobId, at: Date.now() });
      return;
    }
    for (;;) {
      const job = await api.request('GET', `${JOBS}/${jobId}`, { key });
      const state = (job.json as { state?: string }).state;
      const fine = job.status === 200 && state !== 'failed' && state !== 'cancelled';
      note(`GET job of #${n}`, job.status, job.text, fine);
      if (!fine) return;
      if (state === 'completed') {
        ended.push({ jobId, at: Date.now() });
        return;
      }
      await sleep(50);
    }
  }

  async function lane(): Promise<void> {
    while (!stopped && next * PER_JOB < numbers.length) {
      const n = next++;
      const started = Date.now();
      await oneJob(n, numbers.slice(n * PER_JOB, (n + 1) * PER_JOB)).catch((err: Error) =>
        note(`request #${n}`, 0, err.message, false),
      );
      const rest = JOB_GAP_MS - (Date.now() - started);
      if (rest > 0 && !stopped) await sleep(rest);
    }
  }

  const running = Promise.all(Array.from({ length: lanes }, lane));
  return {
    exchanges,
    failures,
    ended,
    /** Jobs the client saw end after `time`. */
    endedAfter: (time: number) => ended.filter((e) => e.at > time).length,
    /** True once every number was sent (the lanes stop by themselves then). */
    exhausted: () => next * PER_JOB >= numbers.length,
    async stop() {
      stopped = true;
      await running;
    },
  };
}
