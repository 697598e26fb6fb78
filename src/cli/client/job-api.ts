import { setTimeout as sleep } from 'node:timers/promises';
import { MAX_NUMBERS_PER_REQUEST, UUID_PATTERN } from '../../domain/limits.ts';
import { inputError, serviceError, TransientError } from './errors.ts';
import {
  type ApiAnswer,
  type ApiClient,
  type RequestOptions,
  refusal,
  retryAfterMs,
} from './http.ts';
import { backoffMs } from './pacing.ts';
import {
  AlreadyEndedShape,
  ItemsPageShape,
  type ItemView,
  JobListShape,
  JobShape,
  type JobView,
  readShape,
} from './shapes.ts';

// The job API as the client uses it (docs/api.md, "The job resource"), every answer checked
// against its shape, with retries for reads and cancels: they spend no operation budget and are safe to
// repeat.

export const JOBS_PATH = '/api/v3/oc/numbers/jobs';

export type { ItemView, JobResultBody, JobView } from './shapes.ts';

export const isEnded = (state: JobView['state']) =>
  state === 'completed' || state === 'cancelled' || state === 'failed';

/**
 * Repeats `request` on network errors, 503s and (for reads) 429s, `retries` times at most, with
 * backoff that honours Retry-After.
 */
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

/**
 * A read refused by the operator's read budget (429) is worth waiting for: the budget comes
 * back by itself at the window's end, which Retry-After names.
 */
async function readBudgetWaits(method: string, pending: Promise<ApiAnswer>): Promise<ApiAnswer> {
  const answer = await pending;
  if (method !== 'GET' || answer.status !== 429) return answer;
  throw new TransientError(
    "the operator's read budget is spent (429)",
    retryAfterMs(answer.headers),
  );
}

export function createJobApi(api: ApiClient, retries: number) {
  const call = (method: string, path: string, options?: RequestOptions) =>
    withRetries(
      retries,
      () => readBudgetWaits(method, api.request(method, path, options)),
      options?.signal,
    );
  const expect200 = (what: string, answer: ApiAnswer) => {
    if (answer.status !== 200) throw refusal(what, answer);
    return answer;
  };
  return {
    async get(jobPath: string, signal?: AbortSignal) {
      const what = `job ${jobPath}`;
      const answer = expect200(what, await call('GET', jobPath, signal ? { signal } : {}));
      return { view: readShape(JobShape, answer, what, 'a job'), answer };
    },
    /** Cancels a job; a job that already ended is returned as it is. */
    async cancel(jobId: string): Promise<{ view: JobView; alreadyEnded: boolean }> {
      const what = `cancel job ${jobId}`;
      const answer = await call('POST', `${JOBS_PATH}/${jobId}/cancel`);
      if (answer.status === 409) {
        const ended = AlreadyEndedShape.safeParse(answer.body);
        const view = ended.success
          ? ended.data.job
          : (await this.get(`${JOBS_PATH}/${jobId}`)).view;
        return { view, alreadyEnded: true };
      }
      const view = readShape(JobShape, expect200(what, answer), what, 'a job');
      return { view, alreadyEnded: false };
    },
    /** Every item of a job, in request order (a job has at most 500). */
    async items(jobId: string, query: Record<string, string> = {}): Promise<ItemView[]> {
      const what = `items of job ${jobId}`;
      const items: ItemView[] = [];
      let cursor: string | null = null;
      do {
        const params = new URLSearchParams({ limit: '500', ...query });
        if (cursor) params.set('cursor', cursor);
        const answer = await call('GET', `${JOBS_PATH}/${jobId}/items?${params}`);
        const page = readShape(ItemsPageShape, expect200(what, answer), what, 'a page of items');
        items.push(...page.data);
        cursor = page.nextCursor;
        // A job holds at most 500 numbers: a service that pages on past them is not followed.
        if (cursor && (page.data.length === 0 || items.length >= MAX_NUMBERS_PER_REQUEST)) {
          throw serviceError(`${what}: the service pages on past ${items.length} items`);
        }
      } while (cursor);
      return items;
    },
    async list(query: Record<string, string>) {
      const answer = await call('GET', `${JOBS_PATH}?${new URLSearchParams(query)}`);
      return readShape(JobListShape, expect200('list jobs', answer), 'list jobs', 'a job list');
    },
  };
}

export type JobApi = ReturnType<typeof createJobApi>;

export function checkJobId(jobId: string | undefined): string {
  if (!jobId || !UUID_PATTERN.test(jobId))
    throw inputError(`a job id (a UUID) is required, got "${jobId ?? ''}"`);
  return jobId;
}
