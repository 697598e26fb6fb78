import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';

// The checkout's deploy/ and compose files, read as text, for the tests that check they fit
// together (there is no Docker engine here to run them), and promtool where it is installed.

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const run = promisify(execFile);
export const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, checked field by field by the tests.
export const yamlAt = (path: string): any => parseYaml(read(path), { merge: true });

export const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));
export const NO_PROMTOOL = 'no promtool (apt-get install prometheus; .ci/run installs it)';

/** The Markdown headings of a document, outside fenced code blocks. */
export function headingsOf(markdown: string): string[] {
  let fenced = false;
  const headings: string[] = [];
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    else if (!fenced && /^#{1,6} /.test(line)) headings.push(line.replace(/^#+ /, ''));
  }
  return headings;
}

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens. */
export function githubAnchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}
