#!/usr/bin/env bash
# Fetch the pinned Mbed TLS 3.6.6 source from Debian trixie's source package
# into the cache, verify its sha256 and unpack it. Does not touch the
# system's apt configuration (private sources.list and lists). A second run
# with the tree in place does nothing.
set -euo pipefail

VERSION=3.6.6
DEB_VERSION=3.6.6-0.1~deb13u1
SHA256=8fb65fae8dcae5840f793c0a334860a411f884cc537ea290ce1c52bb64ca007a
CACHE=${TLSFIT_CACHE:-$HOME/.cache/tlsfit}
TREE=$CACHE/mbedtls-$VERSION
TARBALL=$CACHE/mbedtls_$VERSION.orig.tar.bz2

if [ -f "$TREE/include/mbedtls/build_info.h" ]; then
    echo "Mbed TLS $VERSION already at $TREE"
    exit 0
fi
mkdir -p "$CACHE"
if [ ! -f "$TARBALL" ] || ! echo "$SHA256  $TARBALL" | sha256sum -c --quiet - 2>/dev/null; then
    D=$CACHE/apt
    mkdir -p "$D/lists/partial" "$D/cache/archives/partial"
    echo 'deb-src http://deb.debian.org/debian trixie main' > "$D/sources.list"
    A=(-o "Dir::Etc::sourcelist=$D/sources.list" -o Dir::Etc::sourceparts=/nonexistent
       -o "Dir::State::Lists=$D/lists" -o "Dir::Cache=$D/cache")
    apt-get "${A[@]}" -q update
    (cd "$CACHE" && apt-get "${A[@]}" -q source --download-only "mbedtls=$DEB_VERSION")
fi
echo "$SHA256  $TARBALL" | sha256sum -c - || {
    echo "fetch-mbedtls: $TARBALL does not match the pinned sha256; refusing it" >&2
    exit 1
}
tmp=$(mktemp -d "$CACHE/unpack.XXXXXX")
tar -xjf "$TARBALL" -C "$tmp"
mv "$tmp/mbedtls-$VERSION" "$TREE"
rmdir "$tmp"
echo "Mbed TLS $VERSION unpacked at $TREE"
