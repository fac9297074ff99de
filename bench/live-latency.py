#!/usr/bin/env python3
"""Time from saving a one-cell edit to (a) the new page on disk and (b) the live-reload
event an open page receives, with `rolesite serve` (release), on the seed, on a lean
10,000-task table (12 vendors, short texts) and on `rolesite gen`'s 10,000 tasks × 25
vendors with realistic names and descriptions. Two kinds of one-cell edit each: a task's
description (作業内容) rewritten, and a ○ put in or taken out of a vendor's column. Each save
is an editor-style atomic write (write aside, rename over). Prints the median and range of
N edits for each.

Usage: bench/live-latency.py [N]     (builds the release binary first)

Each table is built once before `serve` starts, so the rebuilds are held to a published
site, as in real use.
"""
import os, re, shutil, socket, statistics, subprocess, sys, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N = int(sys.argv[1]) if len(sys.argv) > 1 else 15
BIN = os.path.join(ROOT, "target", "release", "rolesite")


def seed_project(dst):
    for sub in ("seeds", "content"):
        shutil.copytree(os.path.join(ROOT, sub), os.path.join(dst, sub))
    # Role edits toggle the empty fifth cell of 704 (no, name, blank, ◎, ○, here).
    return os.path.join(dst, "seeds", "000_cb154c5dc3bd9e83.txt"), "704\t総合テスト実施\t", 704, 5


def big_project(dst, tasks=10_000):
    os.makedirs(os.path.join(dst, "seeds"))
    with open(os.path.join(dst, "seeds", "vendors.csv"), "w") as f:
        f.write("id,name\n" + "".join(f"v{i},業者{i}\n" for i in range(12)))
    rows, no = ["項番,階層,作業項目," + ",".join(f"v{i}" for i in range(12)) + ",作業内容"], 1
    for h in range(100):
        rows.append(f"{no},1,見出し{h}," + "," * 12)
        no += 1
        for _ in range(100):
            cells = ["◎" if i == no % 12 else ("○" if i == (no + 5) % 12 else "") for i in range(12)]
            rows.append(f"{no},,作業{no}," + ",".join(cells) + f",説明{no}")
            no += 1
    path = os.path.join(dst, "seeds", "roles.csv")
    with open(path, "w") as f:
        f.write("\n".join(rows) + "\n")
    # 5050's ◎ is v10 and its ○ v3: role edits toggle v0 (cell 3).
    return path, "5050,,作業5050,", 5050, 3


def generated_project(dst, tasks=10_000, vendors=25):
    """The denser table of bench/perf.sh: realistic names and descriptions, 25 vendors."""
    subprocess.run([BIN, "gen", dst, "--items", str(tasks), "--vendors", str(vendors)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    path = os.path.join(dst, "seeds", "roles.csv")
    lines = open(path, encoding="utf-8").read().split("\n")
    # The first task (a row with a ◎) from the middle of the table on.
    line = next(l for l in lines[len(lines) // 2:] if "◎" in l)
    no = line.split(",")[0]
    # Role edits toggle the task's first empty vendor cell.
    cell = next(i for i, c in enumerate(line.split(",")) if i >= 3 and c == "")
    return path, no + ",", int(no), cell


def listen(addr, events):
    s = socket.create_connection(addr)
    s.sendall(b"GET /__rolesite/live HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n")
    def run():
        while True:
            data = s.recv(65536)
            if not data:
                return
            for m in re.finditer(rb"event: (\w+)", data):
                events.append((time.monotonic(), m.group(1).decode()))
    threading.Thread(target=run, daemon=True).start()


def text_edit(line, i, cell):
    """The last cell (作業内容) rewritten."""
    return re.sub(r"(\t|,)([^\t,]*)$", lambda m: m.group(1) + f"改訂{i}", line, count=1)


def role_edit(line, i, cell):
    """A ○ put in an empty vendor cell, and taken out again at the next edit."""
    sep = "\t" if "\t" in line else ","
    cells = line.split(sep)
    cells[cell] = "" if cells[cell] == "○" else "○"
    return sep.join(cells)


def measure(name, make, edit):
    work = tempfile.mkdtemp()
    project = os.path.join(work, "project")
    os.makedirs(project)
    data, marker, item, cell = make(project)
    # A site already published, as when a maintainer starts `serve` on a real project: the
    # rebuilds are then held to it (URLs kept, changes page compared with it).
    subprocess.run([BIN, "build", "-q", project], check=True)
    server = subprocess.Popen([BIN, "serve", project, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = server.stdout.readline()
    host, port = re.search(r"http://([\d.]+):(\d+)/", line).groups()
    events = []
    listen((host, int(port)), events)
    time.sleep(0.5)
    page = os.path.join(project, "out", "items", str(item), "index.html")
    disk, live = [], []
    for i in range(N):
        text = open(data, encoding="utf-8").read()
        lines = text.split("\n")
        at = next(k for k, l in enumerate(lines) if l.startswith(marker))
        before = open(page, encoding="utf-8").read()
        lines[at] = edit(lines[at], i, cell)
        aside = os.path.join(os.path.dirname(data), "." + os.path.basename(data) + ".swp")
        with open(aside, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        seen = len(events)
        t0 = time.monotonic()
        os.rename(aside, data)
        while True:
            try:
                if open(page, encoding="utf-8").read() != before:
                    break
            except OSError:
                pass
            time.sleep(0.001)
        t_disk = time.monotonic()
        disk.append((t_disk - t0) * 1000)
        # The reload that carries the edit: the swap that put the page on disk sends it.
        deadline = time.monotonic() + 10
        fresh = lambda: [t for t, e in events[seen:] if e == "reload" and t >= t_disk - 0.005]
        while not fresh() and time.monotonic() < deadline:
            time.sleep(0.001)
        got = fresh()
        if got:
            live.append((got[0] - t0) * 1000)
        time.sleep(0.3)
    server.kill()
    shutil.rmtree(work)
    for label, xs in (("save → page on disk", disk), ("save → reload event", live)):
        print(f"{name:<14} {edit.__name__:<10} {label:<22} median {statistics.median(xs):6.0f} ms  (min {min(xs):.0f}, max {max(xs):.0f}, n={len(xs)})")


subprocess.run(["cargo", "build", "--release", "-q"], cwd=ROOT, check=True)
for edit in (text_edit, role_edit):
    measure("seed", seed_project, edit)
    measure("10,000 tasks", big_project, edit)
    measure("10,000 × 25", generated_project, edit)
