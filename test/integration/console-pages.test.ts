import { beforeAll, describe, expect, it } from 'vitest';
import { useApiSuite } from '../support/app.ts';
import { createConsoleClient } from '../support/console-client.ts';
import { createMarkedJob, createTenant, uniqueE164 } from '../support/factories.ts';
import { waitFor } from '../support/wait.ts';

// The console's pages over inject, with a real worker: every read and action goes through the
// API's services, so what the pages show is checked against the API's own answers.

const suite = useApiSuite('console-pages', { RATE_LIMIT_OPERATOR_MAX: '50' });
let c: ReturnType<typeof createConsoleClient>;

beforeAll(async () => {
  c = createConsoleClient(suite.api.app);
  const res = await c.signIn(suite.tenant.apiKey.key);
  expect(res.statusCode).toBe(303);
});

const statusOf = async (e164: string) =>
  (await suite.get(`/api/v3/oc/numbers/${encodeURIComponent(e164)}`)).json()
    .acquiredNumberStatusName;

describe('console pages', () => {
  it('previews (a dry run that changes nothing), then confirms into a job', async () => {
    const numbers = await suite.marked(3);
    const stranger = uniqueE164();
    const listed = await c.get(
      `/console/numbers?status=MarkedForRemoval&msTenantId=${suite.tenant.customer.msTenantId}`,
    );
    expect(listed.statusCode).toBe(200);
    for (const n of numbers) expect(listed.body).toContain(n);

    const preview = await c.post('/console/numbers/preview', {
      _csrf: c.csrf(),
      operation: 'ready-for-removal',
      numbers: [...numbers, stranger],
    });
    expect(preview.statusCode).toBe(200);
    expect(preview.body).toContain('WOULD_SUCCEED');
    expect(preview.body).toContain('NUMBER_NOT_FOUND');
    expect(await statusOf(numbers[0] ?? '')).toBe('MarkedForRemoval');

    const requestId = /name="requestId" value="([^"]+)"/.exec(preview.body)?.[1] ?? '';
    const form = {
      _csrf: c.csrf(),
      operation: 'ready-for-removal',
      requestId,
      numbers: [...numbers, stranger],
    };
    const confirmed = await c.post('/console/numbers/confirm', form);
    expect(confirmed.statusCode).toBe(303);
    const jobUrl = String(confirmed.headers.location);
    expect(jobUrl).toMatch(/^\/console\/jobs\/[0-9a-f-]{36}$/);
    // The same form sent again (a double click) is the same job.
    expect((await c.post('/console/numbers/confirm', form)).headers.location).toBe(jobUrl);

    const jobId = jobUrl.split('/').at(-1) ?? '';
    await waitFor('the job to complete', async () =>
      (await suite.get(`/api/v3/oc/numbers/jobs/${jobId}`)).json().state === 'completed'
        ? true
        : undefined,
    );
    const page = await c.get(jobUrl);
    expect(page.body).toContain('completed');
    expect(page.body).toContain('NUMBER_NOT_FOUND');
    const csv = await c.get(`${jobUrl}/items.csv`);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body.split('\r\n')).toHaveLength(6); // header, 4 rows, final newline
    const history = await c.get(`/console/numbers/${encodeURIComponent(numbers[0] ?? '')}`);
    expect(history.body).toContain('ReadyForRemoval');
    expect(history.body).toContain(jobId);
  });

  it('refuses a confirm without a CSRF token or with a wrong one (403 page, no job)', async () => {
    const numbers = await suite.marked(1);
    const fields = { operation: 'ready-for-removal', requestId: crypto.randomUUID(), numbers };
    expect((await c.post('/console/numbers/confirm', fields)).statusCode).toBe(403);
    const wrong = await c.post('/console/numbers/confirm', { ...fields, _csrf: 'forged' });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.body).toContain('Error ticket');
    expect(await statusOf(numbers[0] ?? '')).toBe('MarkedForRemoval');
  });

  it("shows another operator's job, an unknown job and a malformed id as the same 404 page", async () => {
    const other = await createTenant(suite.t.db);
    const { job } = await createMarkedJob(suite.t.db, other, 1);
    for (const id of [job.id, crypto.randomUUID(), 'not-a-uuid']) {
      const res = await c.get(`/console/jobs/${id}`);
      expect(res.statusCode, id).toBe(404);
      expect(res.body).toContain('There is no such job');
      expect((await c.post(`/console/jobs/${id}/cancel`, { _csrf: c.csrf() })).statusCode).toBe(
        404,
      );
    }
    expect((await c.get('/console/nowhere')).statusCode).toBe(404);
  });

  it('cancels a queued job from its page', async () => {
    const { job } = await createMarkedJob(suite.t.db, suite.tenant, 2, { state: 'queued' });
    await c.get(`/console/jobs/${job.id}`);
    // Not in BullMQ (inserted directly): the cancel lands before any worker takes it.
    const res = await c.post(`/console/jobs/${job.id}/cancel`, { _csrf: c.csrf() });
    expect(res.statusCode).toBe(303);
    expect((await suite.get(`/api/v3/oc/numbers/jobs/${job.id}`)).json().state).toBe('cancelled');
  });

  it("shows another operator's upload as a 404 page, and cannot submit it", async () => {
    const other = await createTenant(suite.t.db);
    const theirs = createConsoleClient(suite.api.app);
    await theirs.signIn(other.apiKey.key);
    await theirs.get('/console/upload');
    const uploaded = await theirs.post('/console/upload', {
      _csrf: theirs.csrf(),
      operation: 'ready-for-removal',
      list: uniqueE164(),
    });
    const url = String(uploaded.headers.location);
    expect((await theirs.get(url)).statusCode).toBe(200);
    expect((await c.get(url)).statusCode).toBe(404);
    await c.get('/console');
    expect((await c.post(`${url}/submit`, { _csrf: c.csrf() })).statusCode).toBe(404);
    expect((await theirs.get(url)).body).toContain('Submit 1 jobs'); // nothing was sent
  });

  it('takes a file of 20,000 numbers (past the API body limit) and refuses one more', async () => {
    const upload = async (count: number) => {
      await c.get('/console/upload');
      const numbers = Array.from({ length: count }, (_, i) => `+1425${String(i).padStart(7, '0')}`);
      const boundary = 'bench-boundary-1234';
      const part = (name: string, value: string, file = '') =>
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${file}\r\n\r\n${value}\r\n`;
      const body =
        part('_csrf', c.csrf()) +
        part('operation', 'ready-for-removal') +
        part('file', `telephoneNumber\n${numbers.join('\n')}\n`, '; filename="n.csv"') +
        `--${boundary}--\r\n`;
      return suite.api.app.inject({
        method: 'POST',
        url: '/console/upload',
        cookies: { ocn_console: c.session ?? '' },
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
        payload: body,
      });
    };
    const taken = await upload(20_000);
    expect(taken.statusCode, taken.body.slice(0, 300)).toBe(303);
    const page = await c.get(String(taken.headers.location));
    expect(page.body).toContain('Submit 40 jobs (20000 numbers)');
    const refused = await upload(20_001);
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('at most 20000 numbers');
  });

  it('escapes what it shows: a hostile upload line is text, not markup', async () => {
    await c.get('/console/upload');
    const hostile = '<script>alert(1)</script>';
    const res = await c.post('/console/upload', {
      _csrf: c.csrf(),
      operation: 'ready-for-removal',
      list: `${hostile}\n"><img src=x onerror=alert(1)>\n${uniqueE164()}`,
    });
    expect(res.statusCode).toBe(303);
    const page = await c.get(String(res.headers.location));
    expect(page.body).not.toContain(hostile);
    expect(page.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.body).not.toContain('<img src=x');
    expect(page.body).toContain('Submit 1 jobs');
  });

  it('shows the overview: the summary, per customer, recent jobs', async () => {
    const res = await c.get('/console');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(suite.tenant.customer.msTenantId);
    expect(res.body).toContain('Recent jobs');
  });
});
