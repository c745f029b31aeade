#!/usr/bin/env bash
# Rebuilds the committed builds (NAME/site) from their sources with the
# pinned lockfiles: each app is copied to a temporary directory, installed
# with npm ci, built with npm run build, and its output copied back. Needs
# Node 20 and the npm registry; the tests need neither (they serve site/).
set -euo pipefail
cd "$(dirname "$0")"
for app in vite-pwa cra-workbox sveltekit; do
  work=$(mktemp -d)
  tar --exclude=site -cf - -C "$app" . | tar -xf - -C "$work"
  (cd "$work" && npm ci --no-audit --no-fund && npm run build)
  out=build
  [ "$app" = vite-pwa ] && out=dist
  rm -rf "$app/site"
  cp -r "$work/$out" "$app/site"
  rm -rf "$work"
done
if grep -rnE 'cio(_tp_)?[A-Za-z0-9]{32}' . --exclude-dir=node_modules; then
  echo "token-shaped strings in the builds" >&2
  exit 1
fi
