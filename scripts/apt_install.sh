#!/usr/bin/env bash
# Install those of the given Debian/Ubuntu packages that are missing, with apt-get, as root.
#   scripts/apt_install.sh [--who NAME] PACKAGE...
# While another apt or dpkg holds the package lock (automatic updates soon after a machine
# boots, a software centre), it waits and says so, instead of failing with apt's bare exit
# status 100. Quick when every package is installed.
# Exit status: 0 all installed; 1 apt-get failed (its message is shown); 2 not root or no
# apt-get, so nothing was installed (the missing packages are named).
# Environment: APT_LOCK_WAIT_S (default 600) longest wait for the lock in seconds;
# APT_LOCK_POLL_S (default 10) seconds apt waits for the lock on each try.
set -uo pipefail
who="apt_install"
if [ "${1:-}" = "--who" ]; then
  who="$2"
  shift 2
fi
wait_s="${APT_LOCK_WAIT_S:-600}"
poll_s="${APT_LOCK_POLL_S:-10}"

missing=""
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "$who: please install these system packages:$missing (not root, so not installing them)" >&2
  exit 2
fi

# apt-get ARGS..., retried while another package manager holds the lock
apt_get() {
  local err start=$SECONDS said=0 rc
  err="$(mktemp)"
  while true; do
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout="$poll_s" "$@" \
      >/dev/null 2>"$err"
    rc=$?
    if [ "$rc" = 0 ]; then
      rm -f "$err"
      return 0
    fi
    if ! grep -qiE "could not get lock|unable to (acquire|lock)" "$err"; then
      echo "$who: apt-get $1 failed (exit status $rc):" >&2
      tail -n 5 "$err" >&2
      echo "$who: install these packages by hand, then run this again:$missing" >&2
      rm -f "$err"
      return 1
    fi
    if [ $((SECONDS - start)) -ge "$wait_s" ]; then
      echo "$who: the package manager was still busy after ${wait_s} s ($(grep -iE -m1 "lock" "$err"))." >&2
      echo "$who: run this again when it has finished (ps -C apt,apt-get,dpkg,unattended-upgr)" >&2
      rm -f "$err"
      return 1
    fi
    if [ "$said" = 0 ]; then
      echo "$who: another program (apt, dpkg or automatic updates) is installing packages;" \
        "waiting up to ${wait_s} s for it to finish..." >&2
      said=1
    fi
    sleep "$poll_s"
  done
}

echo "$who: installing system packages:$missing" >&2
apt_get update -qq || exit 1
# shellcheck disable=SC2086  # one word per package
apt_get install -y -qq $missing || exit 1
echo "$who: installed:$missing" >&2
