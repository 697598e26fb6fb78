import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

// A browser-like client of the console over `inject`: it keeps the cookies it is given (the
// session's ocn_console, the sign-in form's CSRF cookie), reads the CSRF token of the last
// page, and posts forms as a browser does (urlencoded).

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
  const jar = new Map<string, string>();
  let lastHtml = '';
  const remember = (res: LightMyRequestResponse) => {
    for (const c of res.cookies) {
      const expired = c.expires !== undefined && c.expires.getTime() <= Date.now();
      if (c.value === '' || expired) jar.delete(c.name);
      else jar.set(c.name, c.value);
    }
    if (String(res.headers['content-type'] ?? '').startsWith('text/html')) lastHtml = res.body;
    return res;
  };
  const cookies = (): Record<string, string> => Object.fromEntries(jar);
  const client = {
    /** The session id the client holds (ocn_console); set it to replay or forge one. */
    get session() {
      return jar.get(CONSOLE_COOKIE);
    },
    set session(value: string | undefined) {
      if (value === undefined) jar.delete(CONSOLE_COOKIE);
      else jar.set(CONSOLE_COOKIE, value);
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
