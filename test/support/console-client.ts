import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

// A browser-like client of the console over `inject`: it keeps the ocn_console cookie, reads
// the CSRF token of the last page, and posts forms as a browser does (urlencoded).

export const CONSOLE_COOKIE = 'ocn_console';

export function cookieOf(res: LightMyRequestResponse): string | undefined {
  const cookie = res.cookies.find((c) => c.name === CONSOLE_COOKIE);
  return cookie?.value;
}

export function csrfOf(html: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('no CSRF token in the page');
  return token;
}

export function formBody(fields: Record<string, string | string[]>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    for (const v of Array.isArray(value) ? value : [value]) params.append(name, v);
  }
  return params.toString();
}

export function createConsoleClient(app: FastifyInstance) {
  let session: string | undefined;
  let lastHtml = '';
  const remember = (res: LightMyRequestResponse) => {
    const set = res.cookies.find((c) => c.name === CONSOLE_COOKIE);
    if (set) session = set.value === '' ? undefined : set.value;
    if (String(res.headers['content-type'] ?? '').startsWith('text/html')) lastHtml = res.body;
    return res;
  };
  const cookies = (): Record<string, string> => (session ? { [CONSOLE_COOKIE]: session } : {});
  const client = {
    get session() {
      return session;
    },
    set session(value: string | undefined) {
      session = value;
    },
    get html() {
      return lastHtml;
    },
    csrf: () => csrfOf(lastHtml),
    get: async (url: string, headers: Record<string, string> = {}) =>
      remember(await app.inject({ method: 'GET', url, cookies: cookies(), headers })),
    post: async (
      url: string,
      fields: Record<string, string | string[]>,
      headers: Record<string, string> = {},
    ) =>
      remember(
        await app.inject({
          method: 'POST',
          url,
          cookies: cookies(),
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
          payload: formBody(fields),
        }),
      ),
    /** Loads the sign-in page and signs in with `apiKey`; the answer to the POST. */
    async signIn(apiKey: string) {
      await client.get('/console/sign-in');
      return client.post('/console/sign-in', { apiKey, _csrf: client.csrf() });
    },
  };
  return client;
}
