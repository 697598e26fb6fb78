import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createClient } from '@hey-api/openapi-ts';
import { buildOpenApiDocument } from './build-document.ts';

// `npm run openapi:client`: writes the OpenAPI document the app serves to openapi.json and
// generates a TypeScript client from it into generated/, both committed. CI runs it again and
// fails on any difference, so neither can drift from the routes. Needs Redis (see
// build-document.ts), not a running service. Both are left as generated: Biome skips them.

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const DOCUMENT = here('./openapi.json');

const document = await buildOpenApiDocument();
await writeFile(DOCUMENT, `${JSON.stringify(document, null, 2)}\n`);
await createClient({
  input: DOCUMENT,
  output: {
    path: here('./generated'),
    // Node's type stripping resolves imports only with their extension.
    module: { extension: '.ts' },
  },
  plugins: ['@hey-api/client-fetch', '@hey-api/typescript', '@hey-api/sdk'],
  logs: { level: 'warn' },
});
