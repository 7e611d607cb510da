#!/usr/bin/env bash
# Runs the package's postinst, prerm and postrm as dpkg would (install, upgrade, remove,
# purge; with systemd running and without, as in a chroot) and checks what they ask of
# deb-systemd-helper, deb-systemd-invoke and systemctl, which are stubs here that log their
# arguments, and that purge deletes freshd's state. The scripts test /run/systemd/system and
# delete /var/lib/freshd: they run in a private mount namespace with tmpfs on /run and /var/lib,
# so that the machine's own are never touched.
#
# Usage: check_maintainer_scripts.sh CONTROL_DIR   (the control files of the .deb: dpkg-deb -e)
set -euo pipefail
control=$(realpath "$1")
if [ "${FRESHD_IN_NAMESPACE:-}" != 1 ]; then
  unshare_args=(--mount --propagation private)
  [ "$(id -u)" -eq 0 ] || unshare_args+=(--map-root-user)
  exec env FRESHD_IN_NAMESPACE=1 unshare "${unshare_args[@]}" "$0" "$@"
fi
fail() { echo "FAIL: $*" >&2; exit 1; }
for script in postinst prerm postrm; do
  [ -x "$control/$script" ] || fail "the package has no executable $script"
done

mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /var/lib
stubs=$(mktemp -d /run/stubs.XXXXXX)
log=/run/calls.log
for tool in deb-systemd-helper deb-systemd-invoke systemctl; do
  # was-enabled answers as $WAS_ENABLED says (deb-systemd-helper: true on a first install).
  cat > "$stubs/$tool" <<STUB
#!/bin/sh
echo "$tool \$*" >> $log
case "\$*" in *was-enabled*) exit "\${WAS_ENABLED:-0}" ;; esac
exit 0
STUB
  chmod +x "$stubs/$tool"
done

# SCENARIO SYSTEMD(yes|no) WAS_ENABLED(0 true|1 false) SCRIPT ARGS... <<< EXPECTED CALLS
expect() {
  local scenario=$1 systemd=$2 was_enabled=$3 script=$4
  shift 4
  local expected actual
  expected=$(cat)
  rm -rf /run/systemd
  [ "$systemd" = no ] || mkdir -p /run/systemd/system
  : > "$log"
  PATH="$stubs:$PATH" WAS_ENABLED=$was_enabled "$control/$script" "$@" ||
    fail "$scenario: $script $* exited $?"
  actual=$(cat "$log")
  if [ "$actual" != "$expected" ]; then
    echo "FAIL: $scenario: $script $*" >&2
    diff <(echo "$expected") <(echo "$actual") | sed 's/^/  /' >&2
    exit 1
  fi
  echo "  $scenario: ok"
}

expect "first install: enabled and started" yes 0 postinst configure <<'CALLS'
deb-systemd-helper unmask freshd.service
deb-systemd-helper --quiet was-enabled freshd.service
deb-systemd-helper enable freshd.service
systemctl --system daemon-reload
deb-systemd-invoke start freshd.service
CALLS
expect "upgrade of a service the admin disabled: stays disabled, restarted" yes 1 \
  postinst configure 0.1.0-1 <<'CALLS'
deb-systemd-helper unmask freshd.service
deb-systemd-helper --quiet was-enabled freshd.service
deb-systemd-helper update-state freshd.service
systemctl --system daemon-reload
deb-systemd-invoke restart freshd.service
CALLS
expect "install in a chroot: enabled, not started" no 0 postinst configure <<'CALLS'
deb-systemd-helper unmask freshd.service
deb-systemd-helper --quiet was-enabled freshd.service
deb-systemd-helper enable freshd.service
CALLS
expect "remove: stopped" yes 0 prerm remove <<'CALLS'
deb-systemd-invoke stop freshd.service
CALLS
expect "upgrade: not stopped before the new files" yes 0 prerm upgrade 0.1.0-1 < /dev/null
expect "removed: systemd reloaded, unit masked" yes 0 postrm remove <<'CALLS'
systemctl --system daemon-reload
deb-systemd-helper mask freshd.service
CALLS

# State as systemd leaves it for a dynamic user: the store in /var/lib/private/freshd, reached
# through the link /var/lib/freshd.
mkdir -p /var/lib/private/freshd
echo MANIFEST-000001 > /var/lib/private/freshd/CURRENT
ln -s private/freshd /var/lib/freshd
mkdir -p /var/lib/other && touch /var/lib/other/keep
expect "purge: enablement state and freshd's state deleted" yes 0 postrm purge <<'CALLS'
deb-systemd-helper purge freshd.service
deb-systemd-helper unmask freshd.service
CALLS
if [ -e /var/lib/private/freshd ] || [ -L /var/lib/freshd ]; then
  fail "purge left freshd's state: $(ls -la /var/lib /var/lib/private)"
fi
[ -e /var/lib/other/keep ] || fail "purge deleted another package's state"
echo "ok: maintainer scripts"
