#!/usr/bin/env bash
# Release builds of hookd: a static binary (CGO off, -trimpath, the version
# stamped in) per target, packed as dist/hookd_<version>_<os>_<arch>.tar.gz
# with README.md and the systemd unit, and dist/SHA256SUMS.
#
#   scripts/release.sh            # version from `git describe`
#   VERSION=1.2.3 scripts/release.sh
#   TARGETS="linux/amd64" scripts/release.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# The targets; cmd/hookd/release_test.go checks that each resolves.
DEFAULT_TARGETS="linux/amd64 linux/arm64 darwin/amd64 darwin/arm64"
TARGETS="${TARGETS:-$DEFAULT_TARGETS}"
VERSION="${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}"
VERSION="${VERSION#v}"
DIST="${DIST:-dist}"

mkdir -p "$DIST"
for target in $TARGETS; do
  os="${target%/*}" arch="${target#*/}"
  name="hookd_${VERSION}_${os}_${arch}"
  work="$(mktemp -d)"
  echo "== $target → $DIST/$name.tar.gz"
  CGO_ENABLED=0 GOOS="$os" GOARCH="$arch" go build -trimpath \
    -ldflags "-s -w -X github.com/hookd/hookd.Version=${VERSION}" \
    -o "$work/$name/hookd" ./cmd/hookd
  cp README.md "$work/$name/"
  cp packaging/hookd.service "$work/$name/"
  tar -C "$work" -czf "$DIST/$name.tar.gz" "$name"
  rm -rf "$work"
done
(cd "$DIST" && sha256sum hookd_"${VERSION}"_*.tar.gz >SHA256SUMS)
echo "== $DIST/SHA256SUMS"
cat "$DIST/SHA256SUMS"
