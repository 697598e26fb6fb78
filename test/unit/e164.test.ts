import fc from 'fast-check';
import { validatePhoneNumberLength } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import { checkE164, NANP_POSSIBLE, suggestE164 } from '../../src/numbers/e164.ts';

describe('checkE164', () => {
  it.each(['+14255551212', '+14255551213', '+14151231234', '+4915112345678', '+447700900123'])(
    'accepts %s',
    (input) => {
      expect(checkE164(input)).toEqual({ ok: true });
    },
  );

  it.each([
    ['+1425555121', 'IMPOSSIBLE_LENGTH'],
    ['+999123456', 'INVALID_COUNTRY_CODE'],
    ['14255551212', 'INVALID_E164'],
    ['+1 425-555-1212', 'INVALID_E164'],
    ['+1٤٢٥٥٥٥١٢١٢', 'INVALID_E164'],
    ['', 'INVALID_E164'],
    [14255551212, 'INVALID_E164'],
  ])('rejects %s with %s', (input, errorCode) => {
    expect(checkE164(input)).toMatchObject({ ok: false, errorCode });
  });

  it('suggests the E.164 form of formatted input', () => {
    expect(checkE164('+1 (425) 555-1212')).toMatchObject({ suggestion: '+14255551212' });
    expect(suggestE164('0044 7700 900123')).toBe('+447700900123');
    expect(suggestE164('not a number')).toBeUndefined();
  });

  it('full validity is opt-in: the original doc example is possible but not valid', () => {
    expect(checkE164('+14151231234', 'valid')).toMatchObject({
      ok: false,
      errorCode: 'INVALID_E164',
    });
    expect(checkE164('+14255551212', 'valid')).toEqual({ ok: true });
  });

  it('the NANP shortcut agrees with libphonenumber-js wherever it applies', () => {
    const nanp = fc
      .tuple(fc.integer({ min: 2, max: 9 }), fc.stringMatching(/^\d{9}$/))
      .map(([first, rest]) => `+1${first}${rest}`);
    fc.assert(
      fc.property(nanp, (input) => {
        expect(NANP_POSSIBLE.test(input)).toBe(true);
        expect(validatePhoneNumberLength(input)).toBeUndefined();
      }),
      { numRuns: 20_000 },
    );
  });

  it('agrees with libphonenumber-js length verdicts for any E.164-shaped input', () => {
    const e164 = fc.stringMatching(/^\+[1-9]\d{1,14}$/);
    fc.assert(
      fc.property(e164, (input) => {
        const expected = validatePhoneNumberLength(input);
        const verdict = checkE164(input);
        if (expected === undefined) expect(verdict).toEqual({ ok: true });
        else if (expected === 'INVALID_COUNTRY')
          expect(verdict).toMatchObject({ errorCode: 'INVALID_COUNTRY_CODE' });
        else expect(verdict).toMatchObject({ errorCode: 'IMPOSSIBLE_LENGTH' });
      }),
      { numRuns: 5_000 },
    );
  });
});
