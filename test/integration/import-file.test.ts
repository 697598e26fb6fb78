import { describe, expect, it } from 'vitest';
import { inventoryCsv } from '../support/cli-harness.ts';
import { useTestDatabase } from '../support/database.ts';
import { uniqueE164 } from '../support/factories.ts';
import { importHelpers } from '../support/import-run.ts';

// The inventory import's file itself: its columns in any order, a bad header, an empty file,
// malformed CSV (the rows before it stay imported).

const t = useTestDatabase();
const { slug, runImport, numberRow } = importHelpers(t);

describe('numbers import: the file itself', () => {
  it('accepts the columns in any order', async () => {
    const [op, n] = [slug(), uniqueE164()];
    const csv = `operator,operatorConnect,msTenantId,status,telephoneNumber\n${op},,,Active,${n}\n`;
    expect((await runImport(csv)).summary).toMatchObject({ inserted: 1, rejected: 0 });
  });

  it.each([
    ['telephoneNumber,status,operator,msTenantId', /missing column\(s\) operatorConnect/],
    ['telephoneNumber,status,operator,msTenantId,operatorConnect,extra', /unknown column "extra"/],
    ['telephoneNumber,status,status,operator,msTenantId,operatorConnect', /"status" appears twice/],
    [
      'number,status,operator,msTenantId,operatorConnect',
      /unknown column "number".*missing column\(s\) telephoneNumber/,
    ],
  ])('stops at a bad header: %s', async (header, problem) => {
    const n = uniqueE164();
    const { summary } = await runImport(`${header}\n${n},Active,x,,,\n`);
    expect(summary.aborted).toEqual({ line: 1, reason: expect.stringMatching(problem) });
    expect(summary.rowsRead).toBe(0);
    expect(await numberRow(n)).toBeUndefined();
  });

  it('reports an empty file', async () => {
    expect((await runImport('')).summary.aborted).toMatchObject({
      line: 1,
      reason: expect.stringMatching(/empty/),
    });
  });

  it('stops at malformed CSV and keeps the rows before it', async () => {
    const [op, before, after] = [slug(), uniqueE164(), uniqueE164()];
    const csv = inventoryCsv([
      [before, 'Active', op, '', ''],
      ['"+1206"x', 'Active', op, '', ''],
      [after, 'Active', op, '', ''],
    ]);
    const { summary } = await runImport(csv);
    expect(summary.aborted).toMatchObject({
      line: 3,
      reason: expect.stringMatching(/malformed CSV/),
    });
    expect(summary).toMatchObject({ rowsRead: 1, inserted: 1 });
    expect(await numberRow(before)).toMatchObject({ status: 'Active' });
    expect(await numberRow(after)).toBeUndefined();
  });
});
