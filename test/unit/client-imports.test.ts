import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// src/domain holds the facts both sides share (operations, statuses, limits, patterns), so it
// imports nothing: the server and the bulk client read one definition.
// The bulk client must run on a laptop that only reaches the HTTP API: nothing under
// src/cli/client/ may import database code, directly or through the modules it imports
// (type-only imports included: they are one edit away from a runtime import).

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLIENT = join(ROOT, 'src/cli/client');
const FORBIDDEN_PACKAGES = ['drizzle-orm', 'postgres'];
const IMPORT =
  /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

async function tsFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/** Every forbidden import reachable from `entries`, as "importer → specifier". */
async function forbiddenImports(entries: string[], dbDir: string): Promise<string[]> {
  const seen = new Set<string>();
  const found: string[] = [];
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = await readFile(file, 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const spec = (match[1] ?? match[2]) as string;
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec);
        if (target.startsWith(`${dbDir}/`)) found.push(`${file} → ${spec}`);
        else if (target.endsWith('.ts')) queue.push(target);
      } else if (FORBIDDEN_PACKAGES.some((p) => spec === p || spec.startsWith(`${p}/`))) {
        found.push(`${file} → ${spec}`);
      }
    }
  }
  return found;
}

describe('the domain module imports nothing', () => {
  it('src/domain reaches no file outside src/domain and no package', async () => {
    const domain = join(ROOT, 'src/domain');
    const files = await tsFiles(domain);
    expect(files.length).toBeGreaterThan(2);
    const outside: string[] = [];
    for (const file of files) {
      for (const match of (await readFile(file, 'utf8')).matchAll(IMPORT)) {
        const spec = (match[1] ?? match[2]) as string;
        const target = spec.startsWith('.') ? resolve(dirname(file), spec) : spec;
        if (!target.startsWith(`${domain}/`)) outside.push(`${file} → ${spec}`);
      }
    }
    expect(outside).toEqual([]);
  });
});

describe('the bulk client imports no database code', () => {
  it('reaches neither src/db nor drizzle-orm nor postgres from src/cli/client', async () => {
    const files = await tsFiles(CLIENT);
    expect(files.length).toBeGreaterThan(5);
    expect(await forbiddenImports(files, join(ROOT, 'src/db'))).toEqual([]);
  });

  it('the check finds such imports, direct and indirect', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ocn-imports-'));
    try {
      await writeFile(join(dir, 'a.ts'), "import { b } from './b.ts';\nexport const a = b;\n");
      await writeFile(
        join(dir, 'b.ts'),
        "import type { Sql } from './db/client.ts';\nexport const b = 1;\n",
      );
      await writeFile(join(dir, 'c.ts'), "const m = await import('drizzle-orm/pg-core');\n");
      await writeFile(join(dir, 'd.ts'), "export { sql } from 'postgres';\n");
      const found = await forbiddenImports(
        [join(dir, 'a.ts'), join(dir, 'c.ts'), join(dir, 'd.ts')],
        join(dir, 'db'),
      );
      expect(found).toHaveLength(3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
