import { UUID_PATTERN } from '../../domain/limits.ts';
import { isNumberStatus, NUMBER_STATUSES, type NumberStatus } from '../../domain/statuses.ts';
import { checkE164, type PhoneValidation } from '../e164.ts';
import { operatorSlugProblem } from '../operator-slug.ts';
import { IMPORT_COLUMNS } from './contract.ts';

export { IMPORT_COLUMNS };

export type ImportColumn = (typeof IMPORT_COLUMNS)[number];
export type ColumnPositions = Readonly<Record<ImportColumn, number>>;

/** One valid inventory line, normalised. */
export interface ImportRow {
  line: number;
  e164: string;
  status: NumberStatus;
  operatorSlug: string;
  /** Lower-case GUID, or null for a number without a customer. */
  msTenantId: string | null;
  /** Meaningful only with a customer; an empty field means true. */
  operatorConnect: boolean;
}

export interface RejectedRow {
  line: number;
  telephoneNumber: string;
  reason: string;
}

export type HeaderCheck = { ok: true; positions: ColumnPositions } | { ok: false; problem: string };

export function checkHeader(fields: readonly string[]): HeaderCheck {
  const problems: string[] = [];
  const positions: Partial<Record<ImportColumn, number>> = {};
  fields.forEach((name, index) => {
    if (!(IMPORT_COLUMNS as readonly string[]).includes(name)) {
      problems.push(`unknown column "${name}"`);
    } else if (positions[name as ImportColumn] !== undefined) {
      problems.push(`column "${name}" appears twice`);
    } else {
      positions[name as ImportColumn] = index;
    }
  });
  const missing = IMPORT_COLUMNS.filter((column) => positions[column] === undefined);
  if (missing.length > 0) problems.push(`missing column(s) ${missing.join(', ')}`);
  if (problems.length > 0) {
    return {
      ok: false,
      problem: `${problems.join('; ')} (expected the header ${IMPORT_COLUMNS.join(',')})`,
    };
  }
  return { ok: true, positions: positions as ColumnPositions };
}

export type RowCheck = { ok: true; row: ImportRow } | { ok: false; rejected: RejectedRow };

/** Validates one data line on its own; every problem of the line is reported at once. */
export function checkRow(
  fields: readonly string[],
  positions: ColumnPositions,
  line: number,
  phoneValidation: PhoneValidation,
): RowCheck {
  const field = (column: ImportColumn) => fields[positions[column]] ?? '';
  const telephoneNumber = field('telephoneNumber');
  const problems: string[] = [];
  if (fields.length !== IMPORT_COLUMNS.length) {
    problems.push(`expected ${IMPORT_COLUMNS.length} fields, found ${fields.length}`);
  }

  if (telephoneNumber === '') problems.push('telephoneNumber is empty');
  else {
    const e164 = checkE164(telephoneNumber, phoneValidation);
    if (!e164.ok) problems.push(`${e164.errorCode}: ${e164.detail}`);
  }

  const status = field('status');
  if (!isNumberStatus(status)) problems.push(statusProblem(status));

  const operatorSlug = field('operator');
  const slugProblem = operatorSlugProblem(operatorSlug);
  if (slugProblem) problems.push(slugProblem);

  const msTenantId = field('msTenantId');
  if (msTenantId !== '' && !UUID_PATTERN.test(msTenantId)) {
    problems.push(`msTenantId "${msTenantId}" is not a GUID`);
  }

  const operatorConnect = field('operatorConnect');
  if (!['', 'true', 'false'].includes(operatorConnect)) {
    problems.push(`operatorConnect "${operatorConnect}" must be true, false or empty`);
  }

  if (problems.length > 0 || !isNumberStatus(status)) {
    return { ok: false, rejected: { line, telephoneNumber, reason: problems.join('; ') } };
  }
  return {
    ok: true,
    row: {
      line,
      e164: telephoneNumber,
      status,
      operatorSlug,
      msTenantId: msTenantId === '' ? null : msTenantId.toLowerCase(),
      operatorConnect: operatorConnect !== 'false',
    },
  };
}

function statusProblem(status: string): string {
  if (status === '') return 'status is empty';
  const sameLetters = NUMBER_STATUSES.find((known) => known.toLowerCase() === status.toLowerCase());
  const hint = sameLetters ? `; did you mean ${sameLetters}?` : '';
  return `unknown status "${status}" (expected one of ${NUMBER_STATUSES.join(', ')})${hint}`;
}
