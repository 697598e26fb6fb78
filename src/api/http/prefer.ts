// RFC 7240 `Prefer` request header: only the two preferences the endpoint honours.

export interface Preferences {
  respondAsync: boolean;
  /** `wait=N`, in seconds. */
  waitS?: number;
}

export function parsePrefer(header: string | string[] | undefined): Preferences {
  const prefs: Preferences = { respondAsync: false };
  if (header === undefined) return prefs;
  const values = Array.isArray(header) ? header : [header];
  let sawWait = false;
  for (const value of values) {
    for (const part of value.split(',')) {
      // A preference is `token [= value] *( ; parameter )`: the parameters are ignored.
      const [token = '', raw] = (part.split(';')[0] ?? '').split('=').map((s) => s.trim());
      const name = token.toLowerCase();
      if (name === 'respond-async') prefs.respondAsync = true;
      // RFC 7240 §2: a preference given more than once counts only the first time.
      if (name === 'wait' && raw !== undefined && !sawWait) {
        sawWait = true;
        const seconds = raw.replace(/^"|"$/g, '');
        if (/^\d{1,9}$/.test(seconds)) prefs.waitS = Number(seconds);
      }
    }
  }
  return prefs;
}
