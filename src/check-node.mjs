// Loaded before every entry point (`node --import ./src/check-node.mjs …` in package.json's
// scripts and the CLI launcher, and by the tests' global setup). The project runs its
// TypeScript sources directly, which needs a Node that strips types (22.18 or newer). An older
// Node fails on the first `.ts` import with ERR_UNKNOWN_FILE_EXTENSION, which says nothing of
// the cause; the usual one is a missing node_modules/.bin/node (the pinned Node 24 that
// `npm run` puts first on the PATH), left out by an npm that skipped the `node` package's
// install script. Plain JavaScript, so any Node can run it.

if (!process.features.typescript) {
  process.stderr.write(
    `oc-numbers: this Node (${process.version}, ${process.execPath}) cannot run TypeScript.\n` +
      'It needs Node 22.18 or newer; the project pins Node 24 in node_modules/.bin/node, which\n' +
      'every `npm run` script uses. Run `npm ci`: npm 12 runs the `node` package install\n' +
      'script because package.json "allowScripts" approves it. If node_modules/.bin/node is\n' +
      'still missing, install scripts were skipped (ignore-scripts in an .npmrc, or --ignore-scripts).\n',
  );
  process.exit(1);
}
