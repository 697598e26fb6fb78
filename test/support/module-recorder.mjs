// `node --import ./test/support/module-recorder.mjs …`: notes every module the process loads
// (imports and requires alike, through Node's synchronous module hooks) and writes the list, as
// JSON, to the file OCN_LOADED_MODULES_FILE names when the process exits (a file, not stderr:
// other writers' lines cannot land inside it).
import { writeFileSync } from 'node:fs';
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
  writeFileSync(
    process.env.OCN_LOADED_MODULES_FILE ?? 'loaded-modules.json',
    JSON.stringify([...loaded]),
  );
});
