import type { PhoneValidation } from '../../numbers/e164.ts';
import { type Credential, credentialOf } from './credential.ts';
import { inputError } from './errors.ts';

// The client's settings. It reads its own few variables rather than the service's
// configuration: on an operator's laptop there is no DATABASE_URL to validate. The credential
// comes from credential.ts.

export const DEFAULT_BASE_URL = 'http://127.0.0.1:3000';
const DEFAULT_RETRIES = 6;
/**
 * A batch's job normally ends within seconds; one still running after 10 minutes waits on
 * something (no worker, a database outage) that the client cannot fix by waiting longer.
 */
const DEFAULT_BATCH_TIMEOUT_S = 600;
const MAX_BATCH_TIMEOUT_S = 86_400;

export interface ClientSettings {
  baseUrl: string;
  /** The API key or access token for the next request (a token file is read each time). */
  credential: Credential;
  phoneValidation: PhoneValidation;
  /** Further tries of a request after a network error or a 503. */
  retries: number;
  /** How long a batch may take from its accepted POST to its last job's end (then UNKNOWN). */
  batchTimeoutMs: number;
}

export interface SettingsInput {
  env: Record<string, string | undefined>;
  url?: string | undefined;
  keyFile?: string | undefined;
  tokenFile?: string | undefined;
  /** `--batch-timeout <seconds>`; else OCN_BATCH_TIMEOUT_S; else 600. */
  batchTimeout?: string | undefined;
}

export async function resolveSettings(input: SettingsInput): Promise<ClientSettings> {
  const { env } = input;
  return {
    baseUrl: baseUrlOf(input.url ?? env.OCN_URL ?? DEFAULT_BASE_URL),
    credential: await credentialOf({ keyFile: input.keyFile, tokenFile: input.tokenFile, env }),
    phoneValidation: phoneValidationOf(env.PHONE_VALIDATION),
    retries: retriesOf(env.OCN_RETRIES),
    batchTimeoutMs: batchTimeoutMsOf(input.batchTimeout, env.OCN_BATCH_TIMEOUT_S),
  };
}

function baseUrlOf(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw inputError(`--url must be an http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw inputError(`--url must be an http(s) URL, got "${raw}"`);
  }
  return url.toString().replace(/\/+$/, '');
}

function phoneValidationOf(raw: string | undefined): PhoneValidation {
  if (raw === undefined || raw === '' || raw === 'possible') return 'possible';
  if (raw === 'valid') return 'valid';
  throw inputError(`PHONE_VALIDATION must be "possible" or "valid", got "${raw}"`);
}

function retriesOf(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_RETRIES;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 50) {
    throw inputError(`OCN_RETRIES must be an integer from 0 to 50, got "${raw}"`);
  }
  return value;
}

function batchTimeoutMsOf(flag: string | undefined, fromEnv: string | undefined): number {
  const [name, raw] =
    flag !== undefined ? ['--batch-timeout', flag] : ['OCN_BATCH_TIMEOUT_S', fromEnv];
  if (raw === undefined || raw === '') return DEFAULT_BATCH_TIMEOUT_S * 1000;
  // Whole seconds, digits only: "1e3" or "0x10" are typos, not durations.
  const seconds = /^\d{1,6}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(seconds >= 1 && seconds <= MAX_BATCH_TIMEOUT_S)) {
    throw inputError(
      `${name} must be whole seconds from 1 to ${MAX_BATCH_TIMEOUT_S}, got "${raw}"`,
    );
  }
  return seconds * 1000;
}
