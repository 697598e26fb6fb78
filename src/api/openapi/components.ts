import type { SwaggerTransformObject } from '@fastify/swagger';
import { jsonSchemaTransformObject } from 'fastify-type-provider-zod';

// Named component schemas: a zod schema given `.meta({ id: 'Name' })` is written once under
// components.schemas and referenced with $ref, so generated clients get a readable type for it.
// The type provider writes an input and an output copy of every named schema ("NameInput" and
// "Name"); the copies no operation reaches are left out.

type Document = { paths?: unknown; components?: { schemas?: Record<string, unknown> } };

const REF = /"#\/components\/schemas\/([^"]+)"/g;
const refsIn = (value: unknown) =>
  [...JSON.stringify(value ?? null).matchAll(REF)].map((match) => match[1] as string);

export function withNamedComponents(documentObject: Parameters<SwaggerTransformObject>[0]) {
  const transformed = jsonSchemaTransformObject(documentObject);
  const document = transformed as Document;
  const schemas = document.components?.schemas ?? {};
  const reached = new Set<string>();
  let frontier = refsIn(document.paths);
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const name of frontier) {
      if (reached.has(name)) continue;
      reached.add(name);
      next.push(...refsIn(schemas[name]));
    }
    frontier = next;
  }
  if (document.components) {
    document.components.schemas = Object.fromEntries(
      Object.entries(schemas).filter(([name]) => reached.has(name)),
    );
  }
  return transformed;
}
