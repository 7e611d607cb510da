#!/usr/bin/env bash
# Fails when a library includes another library's private header. The public headers are
# what each library's CMakeLists.txt lists in its HEADERS file set (written by CMake to
# PUBLIC_HEADERS_FILE, one "target=header;header;..." line per library); any other header of
# a folder is private to that folder. Tests, benchmarks and fuzzers may reach inside the
# library they exercise, so only the library folders are checked.
# Usage: check_includes.sh SOURCE_DIR PUBLIC_HEADERS_FILE
set -euo pipefail
source_dir="$1"
public_file="$2"
folders=(common config watchers store scheduler metrics advisor rag daemon)

declare -A public=()
while IFS='=' read -r _target headers; do
  IFS=';' read -ra list <<<"$headers"
  for header in "${list[@]}"; do
    [ -n "$header" ] && public["${header#"$source_dir"/}"]=1
  done
done <"$public_file"
[ ${#public[@]} -gt 0 ] || { echo "no public headers read from $public_file"; exit 1; }

status=0
for folder in "${folders[@]}"; do
  while IFS= read -r line; do
    file="${line%%:*}"
    rest="${line#*:}"
    lineno="${rest%%:*}"
    header="$(sed -nE 's/.*#include "([a-z_]+\/[a-z_]+\.h)".*/\1/p' <<<"$rest")"
    [ -n "$header" ] || continue
    owner="${header%%/*}"
    [ "$owner" = "$folder" ] && continue
    [[ " ${folders[*]} " == *" $owner "* ]] || continue
    if [ -z "${public[$header]:-}" ]; then
      echo "${file#"$source_dir"/}:$lineno: includes $header, which $owner/ does not make public"
      status=1
    fi
  done < <(grep -nE '^#include "[a-z_]+/[a-z_]+\.h"' "$source_dir/$folder"/*.h "$source_dir/$folder"/*.cc)
done
[ "$status" -eq 0 ] && echo "every include across libraries names a public header (${#public[@]} public headers)"
exit "$status"
