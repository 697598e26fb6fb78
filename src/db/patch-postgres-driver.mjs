// Applies a small fix to postgres.js 3.4.9 after `npm install` (package.json "postinstall").
//
// Why: when a backend dies inside a transaction (pg_terminate_backend, a Postgres restart),
// postgres.js sends ROLLBACK on the closed connection; that write is deferred with
// setImmediate and then dereferences the null socket. The TypeError is thrown from a timer,
// so no caller can catch it: the process crashes, and if it survives the connection stays
// poisoned (later queries on it hang). Upstream: porsager/postgres#1154, #1208 (open), fix
// proposals #1168, #1176, #1209. This applies the #1209 approach: settle instead of throwing,
// and reset the write buffer when the socket closes. Plain JS so it runs on any Node.
// Idempotent; warns (does not fail the install) when the driver no longer matches.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MARK = 'oc-numbers: guarded nextWrite';
const root = join(dirname(fileURLToPath(import.meta.url)), '../../node_modules/postgres');

const edits = [
  [
    /function nextWrite\(fn\) \{\n(\s+)const x = socket\.write\(chunk, fn\)/,
    (_, indent) =>
      `function nextWrite(fn) {\n${indent}if (!socket) { // ${MARK}\n${indent}  chunk = nextWriteTimer = null\n${indent}  error(Errors.connection('CONNECTION_CLOSED', options, socket))\n${indent}  return false\n${indent}}\n${indent}const x = socket.write(chunk, fn)`,
  ],
  [
    /(\n([ \t]+)clearImmediate\(nextWriteTimer\)\n)(?!\s+chunk = nextWriteTimer = null)/g,
    (_, line, indent) => `${line}${indent}chunk = nextWriteTimer = null\n`,
  ],
];

for (const file of ['src/connection.js', 'cjs/src/connection.js', 'cf/src/connection.js']) {
  const path = join(root, file);
  if (!existsSync(path)) continue;
  const source = readFileSync(path, 'utf8');
  if (source.includes(MARK)) continue;
  if (!edits.every(([pattern]) => new RegExp(pattern.source).test(source))) {
    console.warn(`patch-postgres-driver: ${file} has changed upstream; not patched`);
    continue;
  }
  let patched = source;
  for (const [pattern, replacement] of edits) patched = patched.replace(pattern, replacement);
  writeFileSync(path, patched);
}
