// Entry point of `npm run cli -- <command>`. The commands are functions over their
// dependencies (src/cli/commands/*); this file only binds them to the process.
import { createCliContext } from './context.ts';
import { runCli } from './program.ts';

export { createCliContext, runCli };

if (import.meta.main) {
  // A reader that stops early (`… | head -n 1` to capture a new key) is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  const ctx = createCliContext({
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
  });
  process.exitCode = await runCli(process.argv.slice(2), ctx);
}
