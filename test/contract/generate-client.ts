import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { UserConfig } from '@hey-api/openapi-ts';

// The TypeScript client generated from the committed openapi.json into generated/ (not
// committed: a build product of the document). Tests and the typecheck make it first
// (test/support/global-setup.ts, `npm run typecheck`); it is made again only when the document
// or the generator changed, so an up-to-date client costs one file read.

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const DOCUMENT = here('./openapi.json');
const GENERATED = here('./generated');
/** In generated/: the hash of what it was generated from. */
const SOURCE_FILE = '.source-sha256';

const OPTIONS = {
  // Node's type stripping resolves imports only with their extension.
  output: { module: { extension: '.ts' } },
  plugins: ['@hey-api/client-fetch', '@hey-api/typescript', '@hey-api/sdk'],
} as const;

/** Generates the client unless generated/ already holds the one for this document. */
export async function generateClient(): Promise<void> {
  const source = await sourceHash();
  if ((await readFile(join(GENERATED, SOURCE_FILE), 'utf8').catch(() => '')) === source) return;
  // Made beside generated/ and moved into place whole, so a typecheck or a test run started
  // meanwhile never reads half a client. The dot keeps it out of tsc's and vitest's globs.
  const staging = await mkdtemp(here('./.generated-'));
  try {
    const config: UserConfig = {
      ...OPTIONS,
      input: DOCUMENT,
      output: { ...OPTIONS.output, path: staging },
      logs: { level: 'silent', file: false },
    };
    // Imported only here: loading the generator takes about a second.
    const { createClient } = await import('@hey-api/openapi-ts');
    // Silent, it answers an unreadable document with no client instead of an error.
    if ((await createClient(config)).length === 0) {
      throw new Error(`no client generated: ${DOCUMENT} could not be read as OpenAPI`);
    }
    await writeFile(join(staging, SOURCE_FILE), source);
    await replaceGenerated(staging);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function sourceHash(): Promise<string> {
  const generator = createRequire(import.meta.url)('@hey-api/openapi-ts/package.json') as {
    version: string;
  };
  return createHash('sha256')
    .update(await readFile(DOCUMENT))
    .update(generator.version)
    .update(JSON.stringify(OPTIONS))
    .digest('hex');
}

async function replaceGenerated(staging: string): Promise<void> {
  const previous = `${staging}-previous`;
  await rename(GENERATED, previous).catch(unless('ENOENT'));
  // A run beside this one may have moved its client in first: generated from the same
  // document, it is this one.
  await rename(staging, GENERATED).catch(unless('ENOTEMPTY', 'EEXIST'));
  await rm(previous, { recursive: true, force: true });
}

const unless =
  (...codes: string[]) =>
  (err: NodeJS.ErrnoException) => {
    if (!codes.includes(err.code ?? '')) throw err;
  };
