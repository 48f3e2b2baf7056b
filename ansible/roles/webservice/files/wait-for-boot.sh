#!/bin/sh
# Waits (at most TIMEOUT seconds) until a freshly booted host is done with its own package work:
# cloud-init, then apt-daily / apt-daily-upgrade (unattended-upgrades runs inside the latter), which
# hold apt's lock for minutes after a first boot.   wait-for-boot.sh TIMEOUT
set -u
timeout=${1:-600}
if command -v cloud-init >/dev/null 2>&1; then
  # 0: done; 2: done with recoverable errors (still usable).
  timeout "$timeout" cloud-init status --wait >/dev/null
  status=$?
  [ "$status" -eq 0 ] || [ "$status" -eq 2 ] || { echo "wait-for-boot: cloud-init status --wait exited $status" >&2; exit 1; }
fi
[ -d /run/systemd/system ] || exit 0
waited=0
while systemctl is-active --quiet apt-daily.service apt-daily-upgrade.service; do
  if [ "$waited" -ge "$timeout" ]; then
    echo "wait-for-boot: apt-daily/apt-daily-upgrade still running after ${timeout}s" >&2
    exit 1
  fi
  sleep 5
  waited=$((waited + 5))
done
