#!/bin/sh
# `npx oc-numbers …` from a checkout: runs the CLI on the Node the project pins
# (node_modules/.bin/node), whatever Node is first on the PATH. exec keeps signals (Ctrl-C)
# going straight to the CLI. src/check-node.mjs stops a Node that cannot run TypeScript with a
# message that says so.
self=$(readlink -f "$0")
root=$(cd "$(dirname "$self")/../.." && pwd)
node="$root/node_modules/.bin/node"
[ -x "$node" ] || node=node
exec "$node" --import "$root/src/check-node.mjs" "$root/src/cli/index.ts" "$@"
