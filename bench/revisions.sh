#!/usr/bin/env bash
# What released revisions cost a build: a table with ten frozen revisions against the same
# table with none.
#
#   bench/revisions.sh
#
# It generates one table (`rolesite gen A --items ITEMS --vendors VENDORS`) and a copy B of
# it, then releases B RELEASES times (r01, r02, …): before each release but the first, a
# few cells of B/seeds/roles.csv are edited, the same way every run (20 task names renamed,
# 3 ◎ and 3 ○ moved to an empty vendor cell of their row), and `rolesite check B` must pass.
# A and B are each built once (untimed) into their outputs, then, alternately, A B A B …
# ROUNDS times, with `sync` (untimed) before each run and every run timed by bench/timed.py
# (wall, user and system CPU, peak RSS):
#   A  rolesite build -q -o A_out A     no revisions
#   B  rolesite build -q -o B_out B     RELEASES frozen revisions, none changed: each frozen
#                                       tree is taken over from the output, unrendered
# It prints the medians, the ratios B/A (targets: wall ≤ 1.3×, peak RSS ≤ 1.5×) and the
# files (and HTML pages) in each output.
#
# Then a theme change: A2 and B2, copies of A and B, each get the repository's
# themes/default copied into themes/default; each round the same HTML comment
# (`<!-- bench theme rN -->`) is appended to templates/base.html of both, untimed, then A2
# and B2 are built (alternately, THEME_ROUNDS times) into their existing outputs. The
# theme's fingerprint (src/theme.rs) hashes the template sources only, so a template edit
# re-renders every page, frozen ones included, while an edit of a static file (style.css)
# does not: the pages link the stylesheet by a fixed URL and do not change. (That is
# checked once too: after a CSS comment is appended, B2 is built, its outputs copied with
# their times as a published site is; its frozen stamps must stay as they were, and its
# user CPU must be under half that of making every tree again.) It prints user CPU per
# HTML page written (pages: *.html in the output) for each, and the ratio (target: a page
# costs at most 10% more CPU than one of A2; it may cost less).
#
# Last, a one-cell edit under `rolesite serve A -o A_out --port 0`, for comparison, then
# the same under `rolesite serve B -o B_out --port 0` (the published site is B_out): after
# the first build, EDITS edits of the project's seeds/roles.csv, each an atomic save
# (written aside, renamed over), alternately a task's 作業内容 rewritten and a ○ put in or
# taken out of one of its empty vendor cells; it times from the rename to the task's item
# page on disk having new bytes (polled every millisecond), and reads the rebuild time
# `serve` prints (`N written, M unchanged, K removed in T ms`). Median and range (target:
# < 200 ms).
#
# The machine may be shared: before each timed run it waits (up to QUIET_WAIT seconds,
# default 30) for other processes to use less than a tenth of a core, and it reports the CPU
# time other processes used during each run ("others").
#
# Environment: ROUNDS (default 5; 0 skips that part), THEME_ROUNDS (default ROUNDS; 0
# skips), EDITS (9; 0 skips), ITEMS (10000), VENDORS (25), RELEASES (10), QUIET_WAIT (30; 0
# never waits), WORK (target/revisions; emptied first, removed at the end unless
# KEEP_WORK=1, the raw figures then copied beside it as revisions-results.tsv). Needs
# python3. At the defaults it keeps about 7 GB on disk (B_out and B2_out: 141,000 files,
# 2.9 GB each), up to 10 GB during a build; removing it at the end can take minutes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
rounds=${ROUNDS:-5}
theme_rounds=${THEME_ROUNDS:-$rounds}
edits=${EDITS:-9}
items=${ITEMS:-10000}
vendors=${VENDORS:-25}
releases=${RELEASES:-10}
work=${WORK:-$root/target/revisions}
mkdir -p "$(dirname "$work")"
work=$(cd "$(dirname "$work")" && pwd)/$(basename "$work")

note() { printf '%s\n' "$*" >&2; }

cargo build --release -q
bin=${CARGO_TARGET_DIR:-$root/target}/release/rolesite
[ -x "$bin" ] || { note "no binary at $bin"; exit 1; }

rm -rf "$work"
mkdir -p "$work"
results=$work/results.tsv
: >"$results"
note "work folder $work: $(df -h --output=avail "$work" | tail -1 | tr -d ' ') free"
note "rolesite $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$root" diff --quiet 2>/dev/null || echo ' (modified)'), $(nproc) cores"

# --- timing (as bench/perf.sh) ---------------------------------------------------------
busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
quiet() {
  local waited=0 a b
  [ "${QUIET_WAIT:-30}" -gt 0 ] || return 0
  while [ "$waited" -lt "${QUIET_WAIT:-30}" ]; do
    a=$(busy)
    sleep 2
    b=$(busy)
    [ $((b - a)) -ge 20 ] || return 0
    [ "$waited" -gt 0 ] || note "  (waiting for a quiet machine: $(((b - a) / 2))% of a core busy)"
    waited=$((waited + 2))
  done
  note "  (the machine stayed busy; measuring anyway)"
}
# timed PART TOOL ROUND OUT CMD...: appends
#   part tool round wall user sys rss_kib html_files files others
timed() {
  local part=$1 tool=$2 round=$3 out=$4
  shift 4
  sync
  quiet
  local before after
  before=$(busy)
  python3 "$root/bench/timed.py" "$work/time" "$@" >"$work/stdout" 2>"$work/stderr" || {
    note "$tool failed:"
    cat "$work/stderr" >&2
    exit 1
  }
  after=$(busy)
  local wall user sys rss others html files
  read -r wall user sys rss <"$work/time"
  others=$(awk -v d=$((after - before)) -v u="$user" -v s="$sys" 'BEGIN {o = d / 100 - u - s; printf "%.2f", o < 0 ? 0 : o}')
  html=$(find "$out" -type f -name '*.html' | wc -l)
  files=$(find "$out" -type f | wc -l)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "$part" "$tool" "$round" "$wall" "$user" "$sys" "$rss" "$html" "$files" "$others" >>"$results"
  note "  $part #$round $(printf '%-3s' "$tool") wall ${wall}s user ${user}s sys ${sys}s rss $((rss / 1024)) MiB, $html html, $files files; others ${others}s CPU"
}

# --- the projects ----------------------------------------------------------------------
A=$work/A B=$work/B
note "== generate $items tasks × $vendors vendors; B: $releases releases"
"$bin" gen "$A" --items "$items" --vendors "$vendors" >/dev/null 2>&1
cp -r "$A" "$B"
# The edits before release K (2, 3, …): deterministic, each a handful of cells.
edit_for_release() {
  python3 - "$1/seeds/roles.csv" "$2" <<'PY'
import sys
path, k = sys.argv[1], int(sys.argv[2])
lines = open(path, encoding="utf-8").read().split("\n")
header = lines[0].split(",")
first, last = 3, len(header) - 2  # the vendor columns
tasks = [i for i in range(1, len(lines)) if lines[i] and lines[i].split(",")[1] == ""]
n = len(tasks)
pick = lambda j, stride: tasks[(k * 7919 + j * stride) % n]
for j in range(20):  # 20 task names renamed
    i = pick(j, 491)
    c = lines[i].split(",")
    c[2] = c[2] + f"(改訂{k}-{j})"
    lines[i] = ",".join(c)
for j, mark in enumerate(["◎"] * 3 + ["○"] * 3):  # 3 ◎ and 3 ○ moved within their row
    # The picked task, or the next that has the mark (a task may have no ○).
    i = next(i for i in (pick(j + 10 * s, 1237) for s in range(n)) if mark in lines[i].split(",")[first:last + 1])
    c = lines[i].split(",")
    at = c.index(mark, first)
    empty = [v for v in range(first, last + 1) if c[v] == ""]
    to = empty[(k + j) % len(empty)]
    c[at], c[to] = "", mark
    lines[i] = ",".join(c)
aside = path + ".tmp"
open(aside, "w", encoding="utf-8").write("\n".join(lines))
import os; os.replace(aside, path)
PY
}
baseline_check=$("$bin" check "$B" 2>&1 >/dev/null | tail -1)
note "  check before the edits: $baseline_check"
for k in $(seq "$releases"); do
  label=$(printf 'r%02d' "$k")
  if [ "$k" -gt 1 ]; then
    edit_for_release "$B" "$k"
    "$bin" check "$B" >"$work/check.out" 2>"$work/check.err" || { note "check failed after the edits for $label:"; cat "$work/check.out" "$work/check.err" >&2; exit 1; }
    [ "$(tail -1 "$work/check.err")" = "$baseline_check" ] || note "  check after the edits for $label: $(tail -1 "$work/check.err")"
  fi
  t0=$(date +%s.%N)
  "$bin" release "$B" --label "$label" 2>"$work/release.err" || { cat "$work/release.err" >&2; exit 1; }
  note "  $(cat "$work/release.err") ($(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s)"
done
note "  $(git -C "$root" --no-pager diff --no-index --stat "$A/seeds/roles.csv" "$B/seeds/roles.csv" | tail -1 || true)"
note "== first builds (untimed): A -> A_out, B -> B_out"
"$bin" build -q -o "$work/A_out" "$A"
"$bin" build -q -o "$work/B_out" "$B"

# --- A against B, nothing changed -------------------------------------------------------
note "== $rounds rounds: A (no revisions) and B ($releases frozen revisions, taken over)"
[ "$rounds" -gt 0 ] || note "  (ROUNDS=0: skipped)"
for r in $(seq "$rounds"); do
  timed same A "$r" "$work/A_out" "$bin" build -q -o "$work/A_out" "$A"
  timed same B "$r" "$work/B_out" "$bin" build -q -o "$work/B_out" "$B"
done

# --- a theme change ---------------------------------------------------------------------
if [ "$theme_rounds" -gt 0 ]; then
note "== theme change: A2 and B2 with themes/default copied in; $theme_rounds rounds, a template edited before each"
cp -r "$A" "$work/A2"
cp -r "$B" "$work/B2"
# A copy of the default theme hashes as the compiled-in one: the outputs copied from A_out
# and B_out stand as these projects' last builds (B2's frozen trees are taken over).
for p in A2 B2; do
  mkdir -p "$work/$p/themes"
  cp -r "$root/themes/default" "$work/$p/themes/default"
done
# Copied as a published site is (times kept: `cp -r` would date every folder anew, and a
# frozen tree whose folders are not as dated is made again).
cp -a "$work/A_out" "$work/A2_out"
cp -a "$work/B_out" "$work/B2_out"
# A CSS-only change: the fingerprint does not change, B2's frozen trees are taken over. The
# stamps stay as they were either way (a tree made again writes the same bytes, which are
# not rewritten): that the trees were taken over, not made again, the build's CPU tells,
# against the theme change's below.
stamps() { find "$work/B2_out/rev" -name frozen.json -printf '%P %T@ %s\n' | sort; }
stamps >"$work/stamps.before"
printf '\n/* bench: a CSS-only change */\n' >>"$work/B2/themes/default/static/style.css"
sync
timed css B2 1 "$work/B2_out" "$bin" build -q -o "$work/B2_out" "$work/B2"
stamps >"$work/stamps.after"
if cmp -s "$work/stamps.before" "$work/stamps.after"; then
  css_note="after a CSS-only change (style.css): all $(wc -l <"$work/stamps.after") frozen stamps as they were"
else
  css_note="after a CSS-only change (style.css): frozen stamps rewritten"
fi
note "  $css_note"
cp "$work/B2/themes/default/static/style.css" "$work/A2/themes/default/static/style.css"
"$bin" build -q -o "$work/A2_out" "$work/A2"
for r in $(seq "$theme_rounds"); do
  for p in A2 B2; do
    printf '<!-- bench theme r%s -->\n' "$r" >>"$work/$p/themes/default/templates/base.html"
  done
  cmp -s "$work/A2/themes/default/templates/base.html" "$work/B2/themes/default/templates/base.html" || { note "A2 and B2 themes differ"; exit 1; }
  stamps >"$work/stamps.before"
  timed theme A2 "$r" "$work/A2_out" "$bin" build -q -o "$work/A2_out" "$work/A2"
  timed theme B2 "$r" "$work/B2_out" "$bin" build -q -o "$work/B2_out" "$work/B2"
  stamps >"$work/stamps.after"
  # Every stamp rewritten: every frozen tree made again.
  same=$(comm -12 "$work/stamps.before" "$work/stamps.after" | wc -l)
  [ "$same" -eq 0 ] || note "  ($same frozen stamps unchanged after a template edit: not every tree re-rendered)"
done
fi

# --- report -------------------------------------------------------------------------------
python3 - "$results" "${css_note:-}" <<'PY'
import statistics as st, sys
from collections import defaultdict
runs = defaultdict(list)
for line in open(sys.argv[1]):
    part, tool, rnd, wall, user, sys_, rss, html, files, others = line.rstrip("\n").split("\t")
    runs[part, tool].append(dict(wall=float(wall), user=float(user), sys=float(sys_), rss=int(rss) / 1024,
                                 html=int(html), files=int(files), others=float(others)))
med = lambda rs, k: st.median([r[k] for r in rs])
def table(rows):
    print(f"{'build':<28} {'wall s':>8} {'user s':>8} {'sys s':>8} {'RSS MiB':>8} {'html':>8} {'files':>8} {'others s':>9}")
    for name, rs in rows:
        print(f"{name:<28} {med(rs, 'wall'):8.3f} {med(rs, 'user'):8.2f} {med(rs, 'sys'):8.2f} {med(rs, 'rss'):8.1f}"
              f" {rs[-1]['html']:8d} {rs[-1]['files']:8d} {max(r['others'] for r in rs):9.2f}")
a, b = runs["same", "A"], runs["same", "B"]
if a and b:
    print(f"\nnothing changed, medians of {len(a)} rounds (others s: the most CPU other processes used in one run)")
    table([("A  (no revisions)", a), ("B  (frozen trees taken over)", b)])
    for k, target in (("wall", 1.3), ("user", None), ("sys", None), ("rss", 1.5)):
        per = [x[k] / y[k] for x, y in zip(b, a)]
        ratio = med(b, k) / med(a, k)
        verdict = "" if target is None else (f"  target ≤ {target}: " + ("met" if ratio <= target else "MISSED"))
        print(f"B/A {k:<4} {ratio:5.2f} (per round: {' '.join(f'{x:.2f}' for x in per)}){verdict}")
a2, b2 = runs["theme", "A2"], runs["theme", "B2"]
if a2 and b2:
    print(f"\ntheme change (a template edited before each build), medians of {len(a2)} rounds")
    table([("A2 (no revisions)", a2), ("B2 (frozen trees re-rendered)", b2)])
    pa = med(a2, "user") / a2[-1]["html"] * 1e6
    pb = med(b2, "user") / b2[-1]["html"] * 1e6
    per = [(y["user"] / y["html"]) / (x["user"] / x["html"]) for x, y in zip(a2, b2)]
    print(f"user CPU per HTML page: A2 {pa:.0f} µs, B2 {pb:.0f} µs; B2/A2 {pb / pa:.3f} (per round: {' '.join(f'{x:.2f}' for x in per)})"
          f"  target at most 10% more: {'met' if pb / pa <= 1.10 else 'MISSED'}")
    print(sys.argv[2])
    c = runs["css", "B2"][0]
    taken = c["user"] < med(b2, "user") / 2
    print(f"  (that build: wall {c['wall']:.3f} s, user {c['user']:.2f} s, against {med(b2, 'user'):.2f} s to make"
          f" every tree again: the trees were {'taken over' if taken else 'MADE AGAIN'})")
PY

# --- a one-cell edit under serve ---------------------------------------------------------
# A first, for comparison: what the same edits cost without revisions.
for p in A B; do
[ "$edits" -gt 0 ] || break
  note "== one-cell edit under rolesite serve $p -o ${p}_out: $edits edits"
  quiet
  python3 - "$bin" "$work/$p" "$work/${p}_out" "$edits" <<'PY'
import os, re, statistics as st, subprocess, sys, time
bin_, project, out, edits = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
compared = os.path.basename(project) == "A"
data = os.path.join(project, "seeds", "roles.csv")
log = open(os.path.join(os.path.dirname(project), "serve.log"), "w+", encoding="utf-8")
t0 = time.monotonic()
serve = subprocess.Popen([bin_, "serve", project, "-o", out, "--port", "0"],
                         stdout=subprocess.PIPE, stderr=log, text=True)
def text():
    log.flush()
    return open(log.name, encoding="utf-8").read()
try:
    first = serve.stdout.readline()  # "serving … at http://…/", once the first build is in
    if "serving" not in first:
        sys.exit("serve did not start:\n" + first + text())
    print(f"\none-cell edit under rolesite serve ({os.path.basename(project)}, output {os.path.basename(out)})")
    print(f"first build, until serving: {time.monotonic() - t0:.1f} s ({text().strip().splitlines()[-1] if text().strip() else '?'})")
    lines = open(data, encoding="utf-8").read().split("\n")
    vendors = range(3, len(lines[0].split(",")) - 1)
    mid = len(lines) // 2
    at = next(k for k in range(mid, len(lines)) if lines[k].split(",")[1] == "")
    no = lines[at].split(",")[0]
    cell = next(v for v in vendors if lines[at].split(",")[v] == "")
    page = os.path.join(out, "items", no, "index.html")
    print(f"edited: task {no} (its page items/{no}/index.html); alternately its 作業内容 and a ○ in vendor column {cell - 2}")
    disk, reported, kinds = [], [], []
    for i in range(edits):
        c = lines[at].split(",")
        if i % 2 == 0:
            kind = "作業内容"
            c[-1] = f"改訂{i}の作業内容。"
        else:
            kind = "○ toggled"
            c[cell] = "" if c[cell] == "○" else "○"
        lines[at] = ",".join(c)
        before = open(page, "rb").read()
        aside = os.path.join(os.path.dirname(data), ".roles.csv.swp")
        with open(aside, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        done = text().count(" written, ")
        t = time.monotonic()
        os.rename(aside, data)
        while True:
            try:
                if open(page, "rb").read() != before:
                    break
            except OSError:
                pass
            if time.monotonic() - t > 120:
                sys.exit("no new page after 120 s:\n" + text()[-2000:])
            time.sleep(0.001)
        disk.append((time.monotonic() - t) * 1000)
        while text().count(" written, ") <= done:
            if time.monotonic() - t > 120:
                sys.exit("no rebuild reported after 120 s:\n" + text()[-2000:])
            time.sleep(0.005)
        last = [l for l in text().splitlines() if " written, " in l][-1]
        reported.append(float(re.search(r"removed in (\d+) ms", last).group(1)))
        kinds.append(kind)
        print(f"  edit {i + 1} ({kind}): page on disk after {disk[-1]:.0f} ms; serve: {last.strip()}")
        time.sleep(0.5)
finally:
    serve.terminate()
    serve.wait()
def summary(xs):
    return f"median {st.median(xs):.0f} ms (min {min(xs):.0f}, max {max(xs):.0f}, n={len(xs)})"
verdict = "(no revisions: for comparison)" if compared else f"target < 200 ms: {'met' if st.median(disk) < 200 else 'MISSED'}"
print(f"save -> page on disk: {summary(disk)}  {verdict}")
print(f"rebuild as serve reports it: {summary(reported)}")
for k in dict.fromkeys(kinds):
    print(f"  {k}: save -> page {summary([d for d, x in zip(disk, kinds) if x == k])}; "
          f"reported {summary([d for d, x in zip(reported, kinds) if x == k])}")
PY
done

if [ "${KEEP_WORK:-0}" = 1 ]; then
  note "raw figures: $results (projects and outputs kept in $work)"
else
  cp "$results" "$work/../revisions-results.tsv"
  rm -rf "$work"
  note "raw figures: $(dirname "$work")/revisions-results.tsv"
fi
