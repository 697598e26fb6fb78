// `node --import ./test/support/module-recorder.mjs …`: notes every module the process loads
// (imports and requires alike, through Node's synchronous module hooks) and writes the list as
// one line, `LOADED-MODULES [...]`, on stderr when the process exits.
import { registerHooks } from 'node:module';

const loaded = new Set();
registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    loaded.add(resolved.url);
    return resolved;
  },
});
process.on('exit', () => {
  process.stderr.write(`LOADED-MODULES ${JSON.stringify([...loaded])}\n`);
});
