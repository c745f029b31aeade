#!/usr/bin/env bash
# Rebuilds the committed builds (NAME/site) from their sources with the
# pinned lockfiles, one app at a time: each app is copied to a temporary
# directory, installed with npm ci, built with npm run build, and its output
# copied back. Needs Node 20 and the npm registry; the tests need neither
# (they serve site/). VitePress's web fonts (binary, ~700 KB) are left out:
# the test answers them with an empty font.
set -euo pipefail
cd "$(dirname "$0")"
out_of() {
  case $1 in
    angular) echo dist/browser ;;
    nuxt) echo .output/public ;;
    react-router) echo build/client ;;
    vitepress) echo docs/.vitepress/dist ;;
    *) echo dist ;;
  esac
}
for app in ${APPS:-angular astro nuxt qwik react-router vitepress}; do
  work=$(mktemp -d)
  tar --exclude=./site --exclude=./node_modules --exclude=./dist --exclude=./build \
    --exclude=./.output --exclude=./.nuxt --exclude=./.angular --exclude=./.astro \
    --exclude=./.react-router --exclude=./docs/.vitepress/dist --exclude=./docs/.vitepress/cache \
    -cf - -C "$app" . | tar -xf - -C "$work"
  (cd "$work" && npm ci --no-audit --no-fund && NG_CLI_ANALYTICS=false npm run build)
  rm -rf "$app/site"
  cp -r "$work/$(out_of "$app")" "$app/site"
  rm -rf "$work"
done
find vitepress/site -name '*.woff2' -delete
if grep -rnE 'cio(_tp_)?[A-Za-z0-9]{32}' . --exclude-dir=node_modules; then
  echo "token-shaped strings in the builds" >&2
  exit 1
fi
