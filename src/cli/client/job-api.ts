import { setTimeout as sleep } from 'node:timers/promises';
import { UUID_PATTERN } from '../../limits.ts';
import { inputError, serviceError, TransientError } from './errors.ts';
import { type ApiAnswer, type ApiClient, type RequestOptions, refusal } from './http.ts';
import { backoffMs } from './pacing.ts';

// The job API as the client uses it (the shapes of docs/… "The job resource"), with retries
// for reads and cancels: they spend no budget and are safe to repeat.

export const JOBS_PATH = '/api/v3/oc/numbers/jobs';

export interface NumberFailure {
  telephoneNumber: string;
  errorCode: string;
  currentStatus?: string;
  detail?: string;
}

export interface JobResultBody {
  data: {
    jobId: string | null;
    requestedCount: number;
    processedCount: number;
    successCount: number;
    failedCount: number;
    failures: NumberFailure[];
  };
  status: string;
  succeeded: boolean;
  message: string;
  dryRun?: boolean;
}

export interface JobView {
  jobId: string;
  operation: string;
  state: 'queued' | 'active' | 'completed' | 'cancelled' | 'failed';
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  progress: {
    requestedCount: number;
    processedCount: number;
    successCount: number;
    failedCount: number;
    percent: number;
  };
  result?: JobResultBody;
}

export interface ItemView {
  position: number;
  telephoneNumber: string;
  outcome: string;
  currentStatus?: string;
  detail?: string;
  processedAt: string | null;
}

export const isEnded = (state: JobView['state']) =>
  state === 'completed' || state === 'cancelled' || state === 'failed';

/** Repeats `request` on network errors and 503s, `retries` times at most, with backoff. */
export async function withRetries<T>(
  retries: number,
  request: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await request();
    } catch (err) {
      if (!(err instanceof TransientError)) throw err;
      if (attempt >= retries) {
        throw serviceError(`${err.message} (gave up after ${attempt + 1} tries)`);
      }
      await sleep(backoffMs(attempt, err.retryAfterMs), undefined, signal ? { signal } : {});
    }
  }
}

export function createJobApi(api: ApiClient, retries: number) {
  const call = (method: string, path: string, options?: RequestOptions) =>
    withRetries(retries, () => api.request(method, path, options), options?.signal);
  const expect200 = (what: string, answer: ApiAnswer) => {
    if (answer.status !== 200) throw refusal(what, answer);
    return answer.body;
  };
  return {
    async get(jobPath: string, signal?: AbortSignal) {
      const answer = await call('GET', jobPath, signal ? { signal } : {});
      return { view: expect200(`job ${jobPath}`, answer) as JobView, answer };
    },
    /** Cancels a job; a job that already ended is returned as it is. */
    async cancel(jobId: string): Promise<JobView> {
      const answer = await call('POST', `${JOBS_PATH}/${jobId}/cancel`);
      if (answer.status === 409) {
        const job = (answer.body as { job?: JobView } | undefined)?.job;
        if (job) return job;
        return (await this.get(`${JOBS_PATH}/${jobId}`)).view;
      }
      return expect200(`cancel job ${jobId}`, answer) as JobView;
    },
    /** Every item of a job, in request order (a job has at most 500). */
    async items(jobId: string, query: Record<string, string> = {}): Promise<ItemView[]> {
      const items: ItemView[] = [];
      let cursor: string | null = null;
      do {
        const params = new URLSearchParams({ limit: '500', ...query });
        if (cursor) params.set('cursor', cursor);
        const answer = await call('GET', `${JOBS_PATH}/${jobId}/items?${params}`);
        const page = expect200(`items of job ${jobId}`, answer) as {
          data: ItemView[];
          nextCursor: string | null;
        };
        items.push(...page.data);
        cursor = page.nextCursor;
      } while (cursor);
      return items;
    },
    async list(query: Record<string, string>) {
      const answer = await call('GET', `${JOBS_PATH}?${new URLSearchParams(query)}`);
      return expect200('list jobs', answer) as { data: JobView[]; nextCursor: string | null };
    },
  };
}

export type JobApi = ReturnType<typeof createJobApi>;

export function checkJobId(jobId: string | undefined): string {
  if (!jobId || !UUID_PATTERN.test(jobId))
    throw inputError(`a job id (a UUID) is required, got "${jobId ?? ''}"`);
  return jobId;
}
