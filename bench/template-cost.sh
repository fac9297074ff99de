#!/usr/bin/env bash
# What the page templates cost (issue #8): user CPU of one whole build with the default
# theme, against the same build with templates cut down through theme overrides:
#
#   default    the built-in theme
#   item-base  item.html only extends base.html (the page frame, no item body)
#   item-word  item.html is one word (no template work for the item pages)
#   all-word   every template but macros.html is one word (no template work at all;
#              views, template contexts, search index, data files and link check remain)
#
#   bench/template-cost.sh [ITEMS]    default 10000 tasks, 25 vendors; ROUNDS (default 7)
#
# The variants run alternately, each into a fresh folder in memory (tmpfs, /dev/shm) when
# it has room, so that the file system's swings stay out of the figures. It prints the
# median user and system CPU of each, and what the templates left out cost per page.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
items=${1:-10000}
rounds=${ROUNDS:-7}
cargo build --release -q
bin=$root/target/release/rolesite

base=/dev/shm
if ! { [ -d "$base" ] && [ "$(df --output=avail -k "$base" | tail -1)" -ge $((items * 40 + 1024 * 1024)) ]; }; then
  base=${TMPDIR:-/tmp}
  echo "no room in /dev/shm: building in $base, where the file system's swings reach the figures" >&2
fi
work=$(mktemp -d "$base/rolesite-templates.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "work folder $work, $(nproc) cores" >&2

"$bin" gen "$work/default" --items "$items" --vendors 25 >/dev/null
variant() {
  cp -r "$work/default" "$work/$1"
  mkdir -p "$work/$1/themes/default/templates"
}
variant item-base
echo '{% extends "base.html" %}{% block main %}{% endblock main %}' >"$work/item-base/themes/default/templates/item.html"
variant item-word
echo 'x' >"$work/item-word/themes/default/templates/item.html"
variant all-word
for t in "$root"/themes/default/templates/*.html; do
  [ "$(basename "$t")" = macros.html ] || echo 'x' >"$work/all-word/themes/default/templates/$(basename "$t")"
done

variants=(default item-base item-word all-word)
for r in $(seq "$rounds"); do
  for v in "${variants[@]}"; do
    rm -rf "$work/out"
    python3 "$root/bench/timed.py" "$work/time" "$bin" build -q -o "$work/out" "$work/$v"
    echo "$v $(cat "$work/time")" >>"$work/times"
  done
  echo "  round $r of $rounds" >&2
done
"$bin" build -q -o "$work/out" "$work/default"
html=$(find "$work/out" -type f -name '*.html' | wc -l)

python3 - "$work/times" "$items" "$html" <<'PY'
import statistics as st, sys
from collections import defaultdict
runs = defaultdict(list)
for line in open(sys.argv[1]):
    v, wall, user, sys_, rss = line.split()
    runs[v].append((float(wall), float(user), float(sys_), int(rss) / 1024))
items, html = int(sys.argv[2]), int(sys.argv[3])
med = lambda v, k: st.median(r[k] for r in runs[v])
print(f"{items:,} tasks x 25 vendors, {html:,} HTML pages; medians of {len(runs['default'])} builds each")
print(f"{'variant':<10} {'wall s':>7} {'user s':>7} {'sys s':>7} {'RSS MiB':>8}")
for v in runs:
    print(f"{v:<10} {med(v, 0):7.2f} {med(v, 1):7.2f} {med(v, 2):7.2f} {med(v, 3):8.1f}")
d = med("default", 1)
per = lambda a, b, n: (med(a, 1) - med(b, 1)) / n * 1e6
print(f"item page frame (base.html), per item page:   {per('item-base', 'item-word', items):5.1f} us user CPU")
print(f"item page body (item.html), per item page:    {per('default', 'item-base', items):5.1f} us")
print(f"all templates, per HTML page:                 {per('default', 'all-word', html):5.1f} us"
      f" ({(d - med('all-word', 1)) / d:.0%} of the build's user CPU)")
print(f"everything but the templates, per HTML page:  {med('all-word', 1) / html * 1e6:5.1f} us")
PY
