import { writeFile } from 'node:fs/promises';
import { buildOpenApiDocument } from './build-document.ts';

// `npm run openapi:document`: writes the OpenAPI document the app serves to openapi.json, which
// is committed. CI runs it again and fails on any difference, so it cannot drift from the
// routes. Needs Redis (see build-document.ts), not a running service. Left as generated: Biome
// skips it. The client generated from it: generate-client.ts.

const document = await buildOpenApiDocument();
await writeFile(
  new URL('./openapi.json', import.meta.url),
  `${JSON.stringify(document, null, 2)}\n`,
);
