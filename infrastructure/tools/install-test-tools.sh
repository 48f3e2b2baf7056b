#!/usr/bin/env bash
# What only the tests need (`.ci/run` runs this after install-system-packages.sh; `make init` does not):
# ansible-lint (test/ansible-lint.test.ts), chromium (pages and the e2e test's screenshots, driven by
# playwright-core) and openssh-server (npm run test:instance starts its own sshd on a loopback port).
# Installed with apt when missing; elsewhere the missing ones are named and the script fails.
set -euo pipefail
source "$(dirname "$0")/apt-install.sh"

missing=()
have ansible-lint || missing+=(ansible-lint)
have chromium || have chromium-browser || missing+=(chromium)
[ -x /usr/sbin/sshd ] || have sshd || missing+=(openssh-server)

if [ ${#missing[@]} -gt 0 ]; then
  apt_install "${missing[@]}" || { echo "test tools: missing ${missing[*]}" >&2; exit 1; }
fi
echo "test tools: $(ansible-lint --nocolor --version 2>/dev/null | sed -n 1p), $(chromium --version 2>/dev/null || chromium-browser --version), $( (/usr/sbin/sshd -V 2>&1 || sshd -V 2>&1) | sed -n 1p)"
