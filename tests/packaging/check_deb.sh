#!/usr/bin/env bash
# Builds the .deb with CPack, unpacks it into a throwaway root, and checks that it holds the
# binary, the unit, the configuration (as a conffile), the alert rules and the dashboard,
# and that the packaged binary runs and accepts the packaged configuration.
set -euo pipefail
build_dir=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$build_dir" && cpack -G DEB -B "$work/out" > "$work/cpack.log" 2>&1) || {
  cat "$work/cpack.log"; exit 1; }
deb=$(ls "$work"/out/freshd_*.deb)
dpkg-deb -x "$deb" "$work/root"
dpkg-deb -e "$deb" "$work/control"
for f in usr/bin/freshd usr/lib/systemd/system/freshd.service etc/freshd/freshd.yaml \
         usr/share/freshd/alerts.yml usr/share/freshd/dashboard.json; do
  [ -e "$work/root/$f" ] || { echo "missing from the package: /$f"; exit 1; }
done
grep -qx /etc/freshd/freshd.yaml "$work/control/conffiles" || { echo "config is not a conffile"; exit 1; }
"$work/root/usr/bin/freshd" --version | grep -q '^freshd ' || { echo "packaged binary does not run"; exit 1; }
"$work/root/usr/bin/freshd" check-config -c "$work/root/etc/freshd/freshd.yaml"
grep -q '^Depends:.*librocksdb' "$work/control/control" || { echo "no library dependencies"; exit 1; }
echo "ok: $(basename "$deb")"
