#!/usr/bin/env bash
# Re-fetch the browser assets the pages ship (no CDN: many users are on intranets) from
# the npm registry with `npm pack`, at the pinned versions below, into
# src/yuqing/web/static/vendor/ with their licences. Run it after changing a version and
# commit what changed (the SHA256SUMS file shows it).
set -euo pipefail

HTMX_VERSION=2.0.11      # htmx.org, 0BSD
ECHARTS_VERSION=6.1.0    # echarts, Apache-2.0

root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/src/yuqing/web/static/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

npm pack --silent "htmx.org@${HTMX_VERSION}" >/dev/null
npm pack --silent "echarts@${ECHARTS_VERSION}" >/dev/null
mkdir htmx echarts
tar -xzf "htmx.org-${HTMX_VERSION}.tgz" -C htmx
tar -xzf "echarts-${ECHARTS_VERSION}.tgz" -C echarts

rm -rf "$dest/htmx" "$dest/echarts"
mkdir -p "$dest/htmx" "$dest/echarts"
cp htmx/package/dist/htmx.min.js htmx/package/LICENSE "$dest/htmx/"
cp echarts/package/dist/echarts.min.js echarts/package/LICENSE echarts/package/NOTICE "$dest/echarts/"

cd "$dest"
{
  echo "# Vendored by scripts/vendor-assets.sh from the npm registry (npm pack)."
  echo "htmx.org ${HTMX_VERSION} 0BSD"
  echo "echarts ${ECHARTS_VERSION} Apache-2.0"
} > VERSIONS
sha256sum htmx/* echarts/* > SHA256SUMS
echo "vendored htmx.org ${HTMX_VERSION} and echarts ${ECHARTS_VERSION} into ${dest}"
