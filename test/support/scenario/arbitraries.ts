import fc from 'fast-check';

// Generators for hostile request bodies: near-E.164 numbers from real and unreal calling
// codes, formatted and non-ASCII variants, junk strings and non-strings.

const digits = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });

// Real codes of every length, codes that do not exist, and prefixes of real ones.
const callingCode = fc.constantFrom(
  '1',
  '7',
  '20',
  '33',
  '44',
  '49',
  '61',
  '86',
  '91',
  '353',
  '358',
  '380',
  '800',
  '882',
  '888',
  '979',
  '0',
  '3',
  '42',
  '99',
  '999',
  '292',
  '801',
);

const plausible = fc.tuple(callingCode, digits(0, 14)).map(([c, d]) => `+${c}${d}`);

// Well-formed NANP numbers: most requests of a real client look like this.
const nanp = fc
  .tuple(fc.integer({ min: 200, max: 999 }), fc.integer({ min: 2_000_000, max: 9_999_999 }))
  .map(([area, line]) => `+1${area}${line}`);

const separators = fc.constantFrom(' ', '-', '.', '(', ')', '\u00a0', '/', '\t');
const formatted = fc
  .tuple(plausible, fc.array(fc.tuple(fc.nat(16), separators), { minLength: 1, maxLength: 4 }))
  .map(([n, cuts]) =>
    cuts.reduce((s, [at, sep]) => {
      const i = Math.min(at, s.length);
      return s.slice(0, i) + sep + s.slice(i);
    }, n),
  );

// Arabic-Indic, extended Arabic-Indic, fullwidth, Devanagari and mathematical digits.
const foreignDigit = fc.constantFrom('٠', '١', '٥', '۴', '０', '１', '９', '९', '१', '𝟙', '²');
const nonAscii = fc
  .tuple(plausible, fc.array(fc.tuple(fc.nat(16), foreignDigit), { minLength: 1, maxLength: 3 }))
  .map(([n, swaps]) =>
    swaps.reduce((s, [at, d]) => {
      const i = 1 + Math.min(at, s.length - 1);
      return s.slice(0, i) + d + s.slice(i + 1);
    }, n),
  );

const nearMiss = fc.oneof(
  plausible.map((n) => ` ${n}`),
  plausible.map((n) => `${n}\n`),
  plausible.map((n) => `${n}\u0000`),
  plausible.map((n) => n.slice(1)),
  plausible.map((n) => `+${n}`),
  plausible.map((n) => `00${n.slice(1)}`),
  plausible.map((n) => `${n}${n.slice(1)}`),
  fc.constantFrom('+', '', '+0', '+1', '+12', '+0123456789', '+1234567890123456'),
);

const nonString = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 2 }),
  fc.object({ maxDepth: 1, maxKeys: 2 }),
);

export const telephoneNumberLike = fc.oneof(
  { arbitrary: nanp, weight: 6 },
  { arbitrary: plausible, weight: 6 },
  { arbitrary: formatted, weight: 2 },
  { arbitrary: nonAscii, weight: 2 },
  { arbitrary: nearMiss, weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 20 }), weight: 1 },
  { arbitrary: nonString, weight: 1 },
);

/** A list of numbers drawn from a small pool, so duplicates occur often. */
export const numberList = fc
  .array(telephoneNumberLike, { minLength: 1, maxLength: 6 })
  .chain((pool) => fc.array(fc.constantFrom(...pool), { minLength: 0, maxLength: 12 }));

const extraKeys = fc.dictionary(
  fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'prototype')),
  fc.jsonValue({ maxDepth: 2 }),
  { maxKeys: 2 },
);

/** Whole bodies: arbitrary JSON, near-valid objects, and objects with extra or poisoned keys. */
export const bodyLike = fc.oneof(
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 2 },
  { arbitrary: numberList.map((telephoneNumbers) => ({ telephoneNumbers })), weight: 4 },
  {
    arbitrary: fc.record({ telephoneNumbers: fc.jsonValue({ maxDepth: 2 }) }),
    weight: 1,
  },
  {
    arbitrary: fc
      .tuple(numberList, extraKeys)
      .map(([telephoneNumbers, extra]) => ({ ...extra, telephoneNumbers })),
    weight: 2,
  },
);
