import { describe, expect, it } from 'vitest';
import { ClientError } from '../../src/cli/client/errors.ts';
import { urlOf } from '../../src/cli/client/service-url.ts';

// Where the client sends a request (and its API key) for a path or URL an answer handed it: the
// --url origin, whatever the answer says.

const BASE = 'http://127.0.0.1:3000';

describe('urlOf', () => {
  it('takes service paths under the base URL, keeping its path prefix', () => {
    expect(urlOf(BASE, '/api/v3/oc/numbers/jobs/x')).toBe(`${BASE}/api/v3/oc/numbers/jobs/x`);
    expect(urlOf(`${BASE}/ocn`, '/api/v3/x')).toBe(`${BASE}/ocn/api/v3/x`);
    expect(urlOf(BASE, 'api/v3/x')).toBe(`${BASE}/api/v3/x`);
    expect(urlOf(BASE, `${BASE}/api/v3/x`)).toBe(`${BASE}/api/v3/x`);
  });

  it('keeps paths that look like hosts on the base origin', () => {
    for (const path of [
      '/\\evil.example/x',
      '@evil.example/x',
      '/@evil.example',
      '.evil.example',
    ]) {
      expect(new URL(urlOf(BASE, path)).origin, path).toBe(BASE);
    }
  });

  it('refuses every URL on another origin', () => {
    for (const target of [
      'http://evil.example/api/v3/oc/numbers/jobs/x',
      'HTTP://evil.example/x',
      '//evil.example/x',
      'https://127.0.0.1:3000/x', // another scheme is another origin
      'http://127.0.0.1:3001/x',
      'http://127.0.0.1:3000@evil.example/x',
      'javascript:alert(1)',
      'file:///etc/passwd',
      'http://[::1/x',
    ]) {
      const err = (() => {
        try {
          return urlOf(BASE, target);
        } catch (e) {
          return e;
        }
      })();
      expect(err, target).toBeInstanceOf(ClientError);
      expect((err as ClientError).exitCode).toBe(4);
      expect((err as ClientError).message).toMatch(
        /not to the --url origin http:\/\/127\.0\.0\.1:3000: refused/,
      );
    }
  });
});
