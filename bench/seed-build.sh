#!/usr/bin/env bash
# Times the release build of the seed site: N runs into an existing output folder
# (the usual rebuild) alternating with N runs into a fresh one, each reported as the
# median wall time, user and system CPU, and peak memory. File-system time is noisy on
# shared machines: compare medians, and CPU and memory, which hold still.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
n=${1:-15}
cargo build --release -q
bin=target/release/rolesite
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
$bin build -q -o "$work/existing" .
for i in $(seq "$n"); do
  /usr/bin/time -f "existing %e %U %S %M" -a -o "$work/times" $bin build -q -o "$work/existing" .
  rm -rf "$work/fresh"
  /usr/bin/time -f "fresh %e %U %S %M" -a -o "$work/times" $bin build -q -o "$work/fresh" .
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '%-9s %8s %8s %8s %10s\n' output wall_s user_s sys_s peak_KiB
for kind in existing fresh; do
  row=$(grep "^$kind " "$work/times")
  printf '%-9s %8s %8s %8s %10s\n' "$kind" \
    "$(awk '{print $2}' <<<"$row" | median)" "$(awk '{print $3}' <<<"$row" | median)" \
    "$(awk '{print $4}' <<<"$row" | median)" "$(awk '{print $5}' <<<"$row" | median)"
done
