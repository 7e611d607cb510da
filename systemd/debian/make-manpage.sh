#!/usr/bin/env bash
# Writes freshd.1.gz, the man page, with help2man from the built binary's --help and
# --version, and a COMMANDS section from each command's own --help. The date in the page is
# the latest changelog entry's, so that a rebuild gives the same bytes.
#
# Usage: make-manpage.sh FRESHD CHANGELOG OUTPUT   (the freshd_manpage target runs it)
set -euo pipefail
freshd=$1
changelog=$2
output=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# roff: a backslash is written \e, a minus \-, and a line must not start with . or '.
roff() { sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"; }

{
  echo '[COMMANDS]'
  for command in run once check-config status explain search reconcile; do
    help=$("$freshd" "$command" --help)
    # "usage: freshd run [-c FILE]", a blank line, then the description.
    echo '.TP'
    echo ".B $(head -n 1 <<< "$help" | sed 's/^usage: //' | roff)"
    tail -n +3 <<< "$help" | roff
  done
  cat <<'ROFF'
[FILES]
.TP
.I /etc/freshd/freshd.yaml
The configuration that the service reads (a conffile). As installed it watches the example
corpus in
.IR /usr/share/freshd/examples .
.TP
.I /var/lib/freshd
The state store (RocksDB): check history, documents, the outbox of the RAG store.
.TP
.I /usr/share/freshd
Prometheus alert rules
.RI ( alerts.yml ),
a Grafana dashboard
.RI ( dashboard.json )
and the example corpus.
.TP
.I /usr/lib/systemd/system/freshd.service
The systemd unit: \fBsystemctl reload freshd\fR rereads the configuration.
[SEE ALSO]
.BR systemctl (1),
.BR systemd.exec (5).
The full documentation is in
.IR /usr/share/doc/freshd/README.md .
ROFF
} > "$work/include"

# help2man makes the SYNOPSIS of a "Usage:" line; freshd writes "usage:". It names the page
# after the program it runs: a wrapper called freshd.
mkdir "$work/bin"
printf '#!/bin/sh\n"%s" "$@" | sed "1s/^usage:/Usage:/"\n' "$(realpath "$freshd")" > "$work/bin/freshd"
chmod +x "$work/bin/freshd"

export SOURCE_DATE_EPOCH
SOURCE_DATE_EPOCH=$(date -d "$(sed -n 's/^ -- .*>  //p' "$changelog" | head -n 1)" +%s)
help2man --no-info --section=1 --name='knowledge-freshness monitoring daemon' \
  --include="$work/include" --output="$work/freshd.1" "$work/bin/freshd"
gzip -9n < "$work/freshd.1" > "$output.tmp"
mv "$output.tmp" "$output"
