# Sourced by install-system-packages.sh and install-test-tools.sh: `apt_install PACKAGE...` installs Debian/
# Ubuntu packages with apt-get, as root or through sudo (non-interactive when stdin is not a terminal, so
# CI never waits for a password). Returns 1 with a message naming the packages when it cannot.
have() { command -v "$1" >/dev/null 2>&1; }

apt_install() {
  if ! have apt-get; then
    echo "init: no apt-get here: install $* with your package manager" >&2
    return 1
  fi
  local as_root=()
  if [ "$(id -u)" != 0 ]; then
    if ! have sudo; then
      echo "init: not root and no sudo: as root, run apt-get install $*" >&2
      return 1
    fi
    # On a terminal sudo may ask for a password; otherwise it must not wait for one.
    if [ -t 0 ]; then as_root=(sudo); else as_root=(sudo -n); fi
  fi
  echo "init: installing $* with apt-get"
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}
