// The request limits and patterns of the API, in one place: the validators, the zod schemas
// (and so the OpenAPI document), the bulk client, the CLI's import and the problem texts all
// read them here. Imports nothing, so the client can read it without the server's code.

/** Numbers per operation request (and so per job). */
export const MAX_NUMBERS_PER_REQUEST = 500;

/** Largest accepted request body; larger ones are refused with 413 before parsing. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** E.164: a plus, a non-zero digit, at most 15 digits in all. */
export const E164_PATTERN = /^\+[1-9]\d{1,14}$/;
/** The longest E.164 string: "+" and 15 digits. */
export const E164_MAX_LENGTH = 16;

/**
 * A whole number as settings and query parameters take it: decimal digits only. Number() would
 * also read '1e3', '0x10', '+5' or ' 5 '.
 */
export const DECIMAL_DIGITS = /^\d+$/;

/**
 * A UUID or GUID (job ids, operator ids, Microsoft tenant ids: not always RFC 9562 UUIDs),
 * any 8-4-4-4-12 hex, either case. Both cases are spelled out rather than flagged /i: an
 * OpenAPI pattern drops regex flags.
 */
export const UUID_PATTERN =
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
