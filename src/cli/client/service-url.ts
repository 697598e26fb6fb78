import { ClientError, EXIT } from './errors.ts';

/**
 * Where a request goes. A path ("/api/…", as the service hands out in `Location`) is taken under
 * the base URL, whose path prefix it keeps; a full URL (or "//host/…") must be on the base URL's
 * origin, or the client refuses it rather than send the key to whoever an answer names.
 */
export function urlOf(baseUrl: string, target: string): string {
  const isPath = !/^[a-z][a-z\d+.-]*:/i.test(target) && !target.startsWith('//');
  if (isPath) return `${baseUrl}${target.startsWith('/') ? '' : '/'}${target}`;
  const base = new URL(baseUrl).origin;
  let url: URL | undefined;
  try {
    url = new URL(target, baseUrl);
  } catch {
    url = undefined;
  }
  if (url?.origin !== base) {
    throw new ClientError(
      EXIT.service,
      `the service pointed to ${url?.origin ?? JSON.stringify(target.slice(0, 100))}, not to the --url origin ${base}: refused (the API key goes to ${base} only)`,
    );
  }
  return url.href;
}
