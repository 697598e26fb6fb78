import { describe, expect, it } from 'vitest';
import { IMPORT_COLUMNS } from '../../src/numbers/import/contract.ts';
import { checkHeader, checkRow } from '../../src/numbers/import/row.ts';

const header = checkHeader(IMPORT_COLUMNS);
if (!header.ok) throw new Error('the contract header must pass');
const { positions } = header;
const row = (fields: string[]) => checkRow(fields, positions, 7, 'possible');

describe('import header', () => {
  it('accepts the columns in any order and reports every problem of a bad header at once', () => {
    expect(checkHeader([...IMPORT_COLUMNS].reverse()).ok).toBe(true);
    const bad = checkHeader(['telephoneNumber', 'status', 'status', 'extra']);
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.problem).toMatch(/unknown column "extra"/);
    expect(bad.problem).toMatch(/column "status" appears twice/);
    expect(bad.problem).toMatch(/missing column\(s\) operator, msTenantId, operatorConnect/);
  });
});

describe('import rows', () => {
  it('normalises a valid line (lower-case GUID, empty operatorConnect is true)', () => {
    const guid = '6F1C2F8E-8A4F-4D55-9A55-7C1D2F0E9B10';
    expect(row(['+14255551212', 'MarkedForRemoval', 'contoso', guid, ''])).toEqual({
      ok: true,
      row: {
        line: 7,
        e164: '+14255551212',
        status: 'MarkedForRemoval',
        operatorSlug: 'contoso',
        msTenantId: guid.toLowerCase(),
        operatorConnect: true,
      },
    });
    expect(row(['+14255551212', 'Active', 'contoso', '', 'false'])).toMatchObject({
      ok: true,
      row: { msTenantId: null, operatorConnect: false },
    });
  });

  it('rejects a bad line with every problem of it, and hints at a mis-cased status', () => {
    const checked = row(['+1 425', 'markedforremoval', 'contoso', 'not-a-guid', 'yes']);
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.rejected).toMatchObject({ line: 7, telephoneNumber: '+1 425' });
    const { reason } = checked.rejected;
    expect(reason).toMatch(/INVALID_E164/);
    expect(reason).toMatch(/did you mean MarkedForRemoval\?/);
    expect(reason).toMatch(/msTenantId "not-a-guid" is not a GUID/);
    expect(reason).toMatch(/operatorConnect "yes" must be true, false or empty/);
  });

  it('rejects a line with the wrong number of fields', () => {
    expect(row(['+14255551212', 'Active', 'contoso', ''])).toMatchObject({
      ok: false,
      rejected: { reason: expect.stringMatching(/expected 5 fields, found 4/) },
    });
  });
});
