#!/usr/bin/env bash
# Builds the .deb with CPack and checks it as Debian would: lintian reports no error and no
# warning; the binary passes hardening-check; the package holds the binary, the unit, the
# configuration (a conffile), the example corpus, the alert rules, the dashboard, the man
# page, the copyright file and changelog.Debian.gz (whose version is the package's); its
# maintainer scripts do what Debian's own daemons' do (check_maintainer_scripts.sh). Then the
# packaged freshd runs on the packaged configuration as installed: in a private mount
# namespace where /usr/share holds the package's files, check-config accepts
# /etc/freshd/freshd.yaml, and `once` (with state_dir in a temporary folder, the one change)
# finds the example corpus's documents.
#
# Usage: check_deb.sh BUILD_DIR   (ctest: debian_package_installs_and_runs)
set -euo pipefail
build_dir=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v lintian > /dev/null || fail "needs lintian (scripts/install-deps.sh installs it)"

(cd "$build_dir" && cpack -G DEB -B "$work/out" > "$work/cpack.log" 2>&1) || {
  cat "$work/cpack.log"; exit 1; }
deb=$(ls "$work"/out/freshd_*.deb)
dpkg-deb -x "$deb" "$work/root"
dpkg-deb -e "$deb" "$work/control"
root=$work/root

# ---- lintian ---------------------------------------------------------------------------------
# As root lintian says that it would rather not run as root: that line is not a finding.
# The package's overrides (usr/share/lintian/overrides/freshd, each with its reason) are
# listed too (O:), so that none can hide a finding unseen.
lintian --display-info --show-overrides "$deb" > "$work/lintian.log" 2>&1 || true
grep -v '^running with root privileges' "$work/lintian.log" | sed 's/^/  lintian| /' || true
findings=$(grep -cE '^[EW]: ' "$work/lintian.log" || true)
[ "$findings" -eq 0 ] || fail "lintian: $findings errors and warnings (E: and W: above)"
echo "lintian: no error, no warning"

# ---- hardening -------------------------------------------------------------------------------
# A sanitizer build (scripts/test-sanitizers.sh runs this test too) is built without the
# hardening flags (see FRESHD_HARDENING in CMakeLists.txt): nothing to check, no one ships it.
cache=$build_dir/CMakeCache.txt
if ! grep -q '^FRESHD_HARDENING:BOOL=ON$' "$cache" || ! grep -q '^FRESHD_SANITIZE:STRING=$' "$cache" ||
   grep -q '^FRESHD_FUZZ:BOOL=ON$' "$cache"; then
  echo "hardening-check skipped: $build_dir is built without the hardening flags"
elif command -v hardening-check > /dev/null; then
  # Not control-flow protection: Debian 12's C start files (Scrt1.o, crti.o) carry no IBT/SHSTK
  # note, so the linker marks no binary built there (Debian's own /usr/sbin/sshd fails too).
  hardening-check --nocfprotection "$root/usr/bin/freshd" || fail "hardening-check"
else
  echo "hardening-check (devscripts) not installed: lintian's hardening tags only"
fi

# ---- contents --------------------------------------------------------------------------------
for f in usr/bin/freshd usr/lib/systemd/system/freshd.service etc/freshd/freshd.yaml \
         usr/share/freshd/alerts.yml usr/share/freshd/dashboard.json \
         usr/share/freshd/examples/handbook/welcome.md usr/share/man/man1/freshd.1.gz \
         usr/share/doc/freshd/copyright usr/share/doc/freshd/changelog.Debian.gz; do
  [ -e "$root/$f" ] || fail "missing from the package: /$f"
done
grep -qx /etc/freshd/freshd.yaml "$work/control/conffiles" || fail "config is not a conffile"
zcat "$root/usr/share/man/man1/freshd.1.gz" | grep -q '^\.SH COMMANDS' ||
  fail "the man page has no COMMANDS section"
field() { dpkg-deb -f "$deb" "$1"; }
grep -q 'librocksdb' <<< "$(field Depends)" || fail "no library dependencies: $(field Depends)"
[ "$(field Section)/$(field Priority)" = net/optional ] ||
  fail "Section/Priority: $(field Section)/$(field Priority)"
[ "$(field Description | wc -l)" -ge 5 ] || fail "no long description: $(field Description)"
zcat "$root/usr/share/doc/freshd/changelog.Debian.gz" > "$work/changelog"
changelog_version=$(dpkg-parsechangelog -l "$work/changelog" -S Version)
[ "$changelog_version" = "$(field Version)" ] ||
  fail "changelog.Debian.gz is at $changelog_version, the package at $(field Version)"
echo "contents: ok ($(basename "$deb"), $(du -k "$deb" | cut -f1) KiB)"

"$here/check_maintainer_scripts.sh" "$work/control"

# ---- the packaged freshd on the packaged configuration ---------------------------------------
"$root/usr/bin/freshd" --version | grep -q '^freshd ' || fail "packaged binary does not run"
sed 's|^state_dir: /var/lib/freshd$|state_dir: '"$work/state"'|' "$root/etc/freshd/freshd.yaml" \
  > "$work/freshd.yaml"
grep -q "^state_dir: $work/state$" "$work/freshd.yaml" ||
  fail "the packaged configuration does not set state_dir: /var/lib/freshd"
# The package's /usr/share over the machine's, in a mount namespace of this command only.
unshare_args=(--mount --propagation private)
[ "$(id -u)" -eq 0 ] || unshare_args+=(--map-root-user)
# shellcheck disable=SC2016  # $1 and $2 are the inner shell's
unshare "${unshare_args[@]}" bash -c '
  set -euo pipefail
  mount -t overlay overlay -o "lowerdir=$1/usr/share:/usr/share" /usr/share
  "$1/usr/bin/freshd" check-config -c "$1/etc/freshd/freshd.yaml"
  "$1/usr/bin/freshd" once -c "$2"' packaged "$root" "$work/freshd.yaml" > "$work/once.log" 2>&1 || {
  sed 's/^/  | /' "$work/once.log" >&2; fail "the packaged configuration does not work"; }
sed 's/^/  once| /' "$work/once.log"
grep -Eq '^2 sources, 6 documents checked, .*[^0-9]0 sources failing' "$work/once.log" ||
  fail "freshd once on the packaged configuration: not the 6 example documents"
echo "ok: $(basename "$deb")"
