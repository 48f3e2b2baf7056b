#!/bin/sh
# Installs the newest Node.js release of one major line from the official binary tarballs:
#
#   install-node.sh DIST_URL MAJOR DEST      e.g. https://nodejs.org/dist 22 /opt/nodejs/node-v22
#
# DEST gets the release's tree (bin/node, ...), only once whole: the tarball is checked against the
# release's SHASUMS256.txt and unpacked beside DEST, then renamed to it. Prints the version installed.
# Downloads go through the target's curl, not Ansible's URL helpers: ansible-core < 2.15 cannot make
# HTTPS requests on Python 3.12 (Ubuntu 24.04's), it passes cert_file= to HTTPSConnection.
set -eu
dist=${1:?DIST_URL} major=${2:?MAJOR} dest=${3:?DEST}
fail() { echo "install-node: $*" >&2; exit 1; }

case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) fail "no Node.js tarball for architecture $(uname -m)" ;;
esac
for tool in curl tar xz sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing on this host"
done

release="$dist/latest-v$major.x"
mkdir -p "$(dirname "$dest")"
work=$(mktemp -d "$dest.partial.XXXXXX")
trap 'rm -rf "$work"' EXIT
fetch() { curl --fail --silent --show-error --location --retry 5 --retry-connrefused --max-time 600 -o "$2" "$1" || fail "could not download $1"; }

fetch "$release/SHASUMS256.txt" "$work/SHASUMS256.txt"
tarball=$(sed -n "s/^[0-9a-f]\{64\}  \(node-v$major\.[0-9]*\.[0-9]*-linux-$arch\.tar\.xz\)\$/\1/p" "$work/SHASUMS256.txt" | head -n 1)
[ -n "$tarball" ] || fail "$release/SHASUMS256.txt lists no linux-$arch .tar.xz of Node.js $major"
fetch "$release/$tarball" "$work/$tarball"
(cd "$work" && grep -F "  $tarball" SHASUMS256.txt | sha256sum --check --quiet --strict -) || fail "$tarball does not match its SHA-256 in $release/SHASUMS256.txt"

mkdir "$work/node"
tar -xJf "$work/$tarball" -C "$work/node" --strip-components=1 --no-same-owner
[ -x "$work/node/bin/node" ] || fail "$tarball has no bin/node"
rm -rf "$dest"
mv "$work/node" "$dest"
echo "${tarball%-linux-*}"
