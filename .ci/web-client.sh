#!/usr/bin/env bash
# The frontend contract check: builds the client declarations (bun run build:types → dist/types),
# installs examples/web-client's own dependencies and typechecks it as a strict DOM-only app
# (lib DOM+ES2022, types: [], no @types/node or @types/bun) importing "vrss/client".
# examples/web-client resolves "vrss" through node_modules/vrss → the repository root (what a
# workspace link does), so package.json exports["./client"].types is what gets used.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.bun/bin:/usr/local/bin:$PATH"

echo "[web-client] bun run build:types"
bun run build:types

echo "[web-client] bun install (examples/web-client)"
(cd examples/web-client && bun install --frozen-lockfile >/dev/null)
ln -sfn ../../.. examples/web-client/node_modules/vrss

tsc=examples/web-client/node_modules/.bin/tsc
files=$("$tsc" -p examples/web-client --listFilesOnly | wc -l)
start=$(date +%s%N)
"$tsc" -p examples/web-client
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "[web-client] tsc -p examples/web-client: ok, ${files} files, ${elapsed_ms} ms"
if "$tsc" -p examples/web-client --listFilesOnly | grep -qE "/node_modules/(@types/(node|bun)|bun-types|drizzle-orm|postgres|ioredis|@aws-sdk)/"; then
  echo "[web-client] the client's type graph reaches a server-only package:" >&2
  "$tsc" -p examples/web-client --listFilesOnly | grep -E "/node_modules/(@types/(node|bun)|bun-types|drizzle-orm|postgres|ioredis|@aws-sdk)/" | head >&2
  exit 1
fi
