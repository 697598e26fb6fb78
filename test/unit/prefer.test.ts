import { describe, expect, it } from 'vitest';
import { parsePrefer } from '../../src/api/http/prefer.ts';

describe('parsePrefer', () => {
  it('reads respond-async and wait, in one header or several, case-insensitively', () => {
    expect(parsePrefer(undefined)).toEqual({ respondAsync: false });
    expect(parsePrefer('respond-async')).toEqual({ respondAsync: true });
    expect(parsePrefer('Respond-Async, wait=10')).toEqual({ respondAsync: true, waitS: 10 });
    expect(parsePrefer(['wait=3', 'respond-async'])).toEqual({ respondAsync: true, waitS: 3 });
  });

  it('ignores parameters, quotes around the value and preferences it does not know', () => {
    expect(parsePrefer('wait="5"; foo=bar')).toEqual({ respondAsync: false, waitS: 5 });
    expect(parsePrefer('handling=lenient, return=minimal')).toEqual({ respondAsync: false });
  });

  it('drops a wait that is not a whole, non-negative number of seconds', () => {
    for (const bad of ['wait=-1', 'wait=1.5', 'wait=soon', 'wait']) {
      expect(parsePrefer(bad)).toEqual({ respondAsync: false });
    }
    expect(parsePrefer('wait=0')).toEqual({ respondAsync: false, waitS: 0 });
  });
});
