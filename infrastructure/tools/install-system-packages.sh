#!/usr/bin/env bash
# `make init`: what the project needs besides its npm packages, installed when missing:
# Node.js >= 20.19 (checked, not installed), Ansible with the amazon.aws and community.aws collections,
# boto3 for them, and for the test suite ansible-lint and chromium (the e2e test's /docs screenshot).
# On Debian/Ubuntu they come from apt (as root, or through sudo: non-interactive when stdin is not a
# terminal); elsewhere the missing ones are named and the script fails.
set -euo pipefail

missing=()
have() { command -v "$1" >/dev/null 2>&1; }

if ! have node; then
  echo "init: Node.js is not installed: install Node.js 20.19 or later (for example with nvm), then make init" >&2
  exit 1
fi
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  echo "init: Node.js $(node --version) is too old: install Node.js 20.19 or later (for example with nvm), then make init" >&2
  exit 1
fi

have ansible-playbook || missing+=(ansible)
python3 -c 'import boto3, botocore' >/dev/null 2>&1 || missing+=(python3-boto3)
have ansible-lint || missing+=(ansible-lint)
have chromium || have chromium-browser || missing+=(chromium)

collections_missing() {
  local listing
  listing=$(ansible-galaxy collection list 2>/dev/null) || return 0
  grep -q '^amazon\.aws ' <<<"$listing" && grep -q '^community\.aws ' <<<"$listing" && return 1
  return 0
}

if [ ${#missing[@]} -gt 0 ]; then
  if ! have apt-get; then
    echo "init: missing: ${missing[*]}. Install them with your package manager (Ansible >= 2.14 with the" >&2
    echo "      amazon.aws and community.aws collections, boto3 for its Python), then make init again." >&2
    exit 1
  fi
  as_root=()
  if [ "$(id -u)" != 0 ]; then
    if ! have sudo; then
      echo "init: missing ${missing[*]} and not root without sudo: install them as root (apt-get install ${missing[*]})" >&2
      exit 1
    fi
    # On a terminal sudo may ask for a password; otherwise it must not wait for one.
    if [ -t 0 ]; then as_root=(sudo); else as_root=(sudo -n); fi
  fi
  echo "init: installing ${missing[*]} with apt-get"
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if collections_missing; then
  echo "init: installing the Ansible collections amazon.aws and community.aws"
  ansible-galaxy collection install amazon.aws community.aws
fi

echo "init: Node.js $(node --version), $(ansible --version 2>/dev/null | sed -n 1p), boto3 $(python3 -c 'import boto3; print(boto3.__version__)')"
