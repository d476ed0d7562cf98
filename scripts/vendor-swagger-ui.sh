#!/usr/bin/env bash
# Re-vendor Swagger UI's assets for `/api/v1/docs` (served from the package: intranets
# have no CDN). Pinned version and npm integrity; `make vendor-swagger-ui` runs this.
# To upgrade: change both pins (`npm view swagger-ui-dist@X dist.integrity`), run, commit.
set -euo pipefail

VERSION="5.36.0"
INTEGRITY="sha512-Lt6/Kb0gXmLdiabLhvso4VdJP9V7qJWB0zh0gzeXUV3+CMOTzMmvpJRSXN7EAjfwixwmoi9ezDbLHiexC7lA9A=="
DEST="$(cd "$(dirname "$0")/.." && pwd)/src/yuqing/web/static/swagger-ui"
FILES=(swagger-ui-bundle.js swagger-ui-bundle.js.LICENSE.txt swagger-ui.css favicon-32x32.png LICENSE NOTICE)

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "swagger-ui-dist@$VERSION" >/dev/null)
tarball="$work/swagger-ui-dist-$VERSION.tgz"
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [[ "$actual" != "$INTEGRITY" ]]; then
    echo "swagger-ui-dist $VERSION: integrity $actual, expected $INTEGRITY" >&2
    exit 1
fi
tar -xzf "$tarball" -C "$work"
mkdir -p "$DEST"
for name in "${FILES[@]}"; do
    cp "$work/package/$name" "$DEST/$name"
done
echo "$VERSION" > "$DEST/VERSION"
echo "swagger-ui-dist $VERSION -> $DEST"
