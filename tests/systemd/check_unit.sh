#!/usr/bin/env bash
# The unit file is valid, raises the descriptor limit, lets freshd reach any host but the
# link-local ones (the cloud metadata service), and systemd rates its hardening at 1.0 or lower
# (lower is safer; README's "Install" section states the same figure).
set -euo pipefail
unit=$1
binary=$2
max_exposure=1.0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# verify checks that ExecStart's binary exists: point the unit at the one just built. The man
# page is not installed where this runs (--man=no).
sed "s|/usr/bin/freshd|$binary|g" "$unit" > "$work/freshd.service"
out=$(systemd-analyze verify --man=no "$work/freshd.service" 2>&1 | grep -v 'Documentation' || true)
[ -z "$out" ] || fail "systemd-analyze verify: $out"

# The default soft limit (1024) runs out under a large state store and many connections.
nofile=$(sed -n 's/^LimitNOFILE=\([0-9]*\)$/\1/p' "$unit")
if [ -z "$nofile" ] || [ "$nofile" -lt 65536 ]; then
  fail "LimitNOFILE= must be 65536 or more, not '$nofile'"
fi

# IPAddressDeny=any, and the IPAddressAllow= prefixes: which addresses may freshd talk to?
grep -qx 'IPAddressDeny=any' "$unit" || fail "no IPAddressDeny=any: the allow list means nothing"
sed -n 's/^IPAddressAllow=//p' "$unit" | tr ' ' '\n' | sed '/^$/d' > "$work/allowed"
python3 - "$work/allowed" <<'PY' || exit 1
import ipaddress, sys
nets = [ipaddress.ip_network(line.strip()) for line in open(sys.argv[1])]
def allowed(address):
    a = ipaddress.ip_address(address)
    return any(a.version == n.version and a in n for n in nets)
must_pass = ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "93.184.216.34",
             "8.8.8.8", "169.253.255.255", "169.255.0.1", "223.255.255.254", "::1",
             "2606:2800:220:1::1", "fd00::1", "fec0::1"]
must_fail = ["169.254.169.254", "169.254.0.1", "224.0.0.251", "239.255.255.250",
             "255.255.255.255", "fe80::1", "ff02::1"]
bad = [a for a in must_pass if not allowed(a)] + [a for a in must_fail if allowed(a)]
for a in bad:
    print(f"FAIL: IPAddressAllow= {'refuses' if a in must_pass else 'lets through'} {a}")
sys.exit(1 if bad else 0)
PY
echo "IPAddressAllow=: every address but link-local, multicast and 240.0.0.0/4"

score=$(systemd-analyze security --offline=true "$work/freshd.service" 2>&1 |
  sed -n 's/.*Overall exposure level for freshd.service: \([0-9.]*\).*/\1/p')
echo "exposure: $score (at most $max_exposure)"
[ -n "$score" ] || fail "systemd-analyze security printed no exposure level"
awk -v s="$score" -v max="$max_exposure" 'BEGIN { exit !(s <= max) }' ||
  fail "exposure $score is above $max_exposure"
