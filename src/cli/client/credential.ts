import { readFile } from 'node:fs/promises';
import { inputError } from './errors.ts';

// The bulk client's bearer credential: an API key (`--key-file`, OCN_API_KEY) or an OpenID
// Connect access token (`--token-file`, OCN_TOKEN). Never a flag's value (shell history,
// process lists). A token expires within the hour while a run may last longer, so the token
// file is read again before every request: an external refresher (a cron job, a sidecar)
// rewrites it and the next request carries the new token.

/** The credential for the next request. */
export type Credential = () => Promise<string>;

export interface CredentialInput {
  keyFile?: string | undefined;
  tokenFile?: string | undefined;
  env: Record<string, string | undefined>;
}

export async function credentialOf(input: CredentialInput): Promise<Credential> {
  const { keyFile, tokenFile, env } = input;
  if (keyFile !== undefined && tokenFile !== undefined) {
    throw inputError('give --key-file or --token-file, not both');
  }
  if (keyFile !== undefined) return constant(await firstLine(keyFile, '--key-file'));
  if (tokenFile !== undefined) return freshFrom(tokenFile);
  const apiKey = env.OCN_API_KEY?.trim();
  const token = env.OCN_TOKEN?.trim();
  if (apiKey && token) throw inputError('set OCN_API_KEY or OCN_TOKEN, not both');
  if (apiKey || token) return constant((apiKey || token) as string);
  throw inputError(
    'no credential: set OCN_API_KEY or OCN_TOKEN, or pass --key-file or --token-file <file>',
  );
}

const constant =
  (value: string): Credential =>
  async () =>
    value;

/**
 * Read now (a missing or empty file fails the run before anything is sent), then before each
 * request. A read that fails or finds the file empty (a refresher caught mid-write) uses the
 * token read last; writing the new token to a temporary file and renaming it over avoids that.
 */
async function freshFrom(file: string): Promise<Credential> {
  let last = await firstLine(file, '--token-file');
  return async () => {
    last = (await firstLine(file, '--token-file').catch(() => undefined)) ?? last;
    return last;
  };
}

async function firstLine(file: string, flag: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw inputError(`cannot read ${flag} ${file}: ${(err as NodeJS.ErrnoException).code}`);
  }
  const line = text.split(/\r?\n/).find((l) => l.trim() !== '');
  if (!line) throw inputError(`${flag} ${file} is empty`);
  return line.trim();
}
