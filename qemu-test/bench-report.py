#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the benchmark's serial log into one table, a CSV and a plot.

tools/testing/selftests/mm/p2p-vma-bench.c prints its figures as raw
repetitions, "P2P-BENCH <what> key=value ..." lines; this computes every
figure as the median of its repetitions, and every comparison as a ratio
of two medians of the same boot. Writes, in --out:

  bench.txt       the table printed on stdout
  bench.csv       the same table, one row per size
  bench-raw.csv   every repetition: method, size, rep, map_ns, unmap_ns, ...
  bench.png       map + unmap time against size, log-log (gnuplot)

Ends with one KTAP report (scripts/ktap.py counts it): a result for each
thing it needs (the figures of every path at every size, the memmap and
latency lines, the files) and, if --judge names the boot judge's output,
the judge's own report as the subtests of one result. Exits 1 if any
failed.
"""
import argparse
import csv
import math
import os
import re
import shutil
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "scripts"))
import ktap  # noqa: E402

# Column order of the table: method, heading
PATHS = [
    ("p2p_pinned", "p2p pinned"),
    ("p2p_dma_buf_fd", "dma-buf fd"),
    ("p2p_dma_buf_fd_new", "fd new"),
    ("p2p_lookup", "lookup"),
    ("p2p_pinned_warm", "ptr warm"),
    ("p2p_dma_buf_fd_warm", "fd warm"),
    ("p2p_dynamic", "p2p dynamic"),
    ("p2p_pinned_ioctl", "p2p ioctl"),
    ("gup_anon", "RAM 4K"),
    ("gup_anon_thp", "RAM THP"),
    ("gup_p2pdma", "P2PDMA"),
    ("p2pdma_mmap", "P2PDMA mmap"),
]
# what each comparison divides by p2p pinned
RATIOS = [("gup_anon", "RAM/p2p"), ("gup_anon_thp", "THP/p2p"),
          ("gup_p2pdma", "P2PDMA/p2p")]
RANGES = [("p2p_pinned", "p2p"), ("p2p_dma_buf_fd", "fd"), ("gup_anon", "RAM"),
          ("gup_anon_thp", "THP"), ("gup_p2pdma", "P2PDMA")]
# The goals (issue 22), judged on a production kernel only
GOAL_RAM_4K = 1000	# 1G by pointer vs pinning 4 KiB pages of RAM
GOAL_RAM_THP = 50	# ... vs THP-backed RAM
GOAL_PTR_FD = 1.1	# the pointer route against the dma-buf fd route
# The scale rows of p2p-vma-bench -S
SCALE_IMPORTERS = [1, 16, 256, 1024]
SCALE_VMAS = [1, 16, 256, 4096]
GOAL_REVOKE = 10	# revoking 1024 pinned importers against 1
# Kernel options that charge the paths per page, per entry or per lock:
# a kernel with any of them is a debug kernel, whose times judge nothing.
DEBUG_OPTIONS = ["KASAN", "KCSAN", "KMSAN", "PROVE_LOCKING", "LOCKDEP",
                 "DEBUG_VM", "DEBUG_ATOMIC_SLEEP", "DMA_API_DEBUG",
                 "DEBUG_KMEMLEAK", "DEBUG_PAGEALLOC", "PAGE_POISONING",
                 "SLUB_DEBUG_ON", "DEBUG_OBJECTS", "UBSAN", "KFENCE"]
LINE_RE = re.compile(r"P2P-BENCH (\w+) (.*)$")


def size_name(size):
    for unit, name in ((1 << 30, "G"), (1 << 20, "M"), (1 << 10, "K")):
        if size >= unit:
            return f"{size // unit}{name}"
    return str(size)


def us(ns):
    """Microseconds, 3 significant digits."""
    if ns is None:
        return "-"
    v = ns / 1000
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def ptr_fd(runs, size, less_lookup=False, fd="p2p_dma_buf_fd", ptr="p2p_pinned"):
    """The pointer route over the fd route (@fd: with one dma-buf, a new
    one each time, or warm; @ptr: first in its step or warm); @less_lookup:
    less the lookup the pointer route adds (p2p_vma_get_dma_buf(), timed
    on its own)."""
    a, b = med(runs, ptr, size), med(runs, fd, size)
    if less_lookup and a:
        lk = med(runs, "p2p_lookup", size)
        a = a - lk if lk is not None else None
    return a / b if a and b else None


def xfmt(r):
    return f"{r:.2f}x" if r is not None else "-"


def ratio(a, b):
    if a is None or b is None or not b:
        return "-"
    r = a / b
    return f"{r:.0f}x" if r >= 10 else f"{r:.1f}x"


def human_bytes(n):
    if n >= 1 << 20:
        return f"{n / (1 << 20):.1f} MiB"
    if n >= 1 << 10:
        return f"{n / (1 << 10):.1f} KiB"
    return f"{n} B"


def ints(text):
    return [int(x) for x in text.split(",") if x]


def parse(path):
    env, runs, memmap, latency = {}, {}, {}, {}
    scale = {"revoke": {}, "vmas": {}, "memory": {}}
    with open(path, errors="replace") as f:
        for raw in f:
            line = re.sub(r"^\[\s*\d+\.\d+\]\s?", "", raw.rstrip("\r\n"))
            m = LINE_RE.match(line)
            if not m:
                continue
            what, rest = m.groups()
            if what == "env":
                key, _, val = rest.partition(" ")
                env[key] = val
                continue
            kv = dict(p.split("=", 1) for p in rest.split() if "=" in p)
            if what == "run":
                size = int(kv["size"])
                huge = kv.get("huge_kib")
                maps = [int(x) for x in kv["map"].split(",")]
                unmaps = [int(x) for x in kv["unmap"].split(",")]
                runs[(kv["method"], size)] = {
                    "ranges": int(kv["ranges"]), "pages": int(kv["pages"]),
                    "map": maps, "unmap": unmaps,
                    "total": [a + b for a, b in zip(maps, unmaps)],
                    "huge_kib": int(huge) if huge is not None else None,
                }
            elif what == "scale" and kv.get("kind") == "revoke":
                scale["revoke"][int(kv["importers"])] = {
                    "move": ints(kv["move"]), "last": ints(kv["last"]),
                    "mem": ints(kv["mem"]), "size": int(kv["size"]),
                    "callbacks": int(kv.get("callbacks", 0))}
            elif what == "scale" and kv.get("kind") == "vmas":
                scale["vmas"][int(kv["vmas"])] = {
                    k: ints(kv[k]) for k in ("map", "unmap", "map_one", "unmap_one")}
                scale["vmas"][int(kv["vmas"])]["ranges"] = int(kv["ranges"])
            elif what == "memory":
                scale["memory"][kv["kind"]] = (int(kv["size"]), int(kv["bytes"]))
            elif what == "memmap":
                memmap[kv["what"]] = (int(kv["pages"]), int(kv["bar_bytes"]))
            elif what == "latency":
                latency[kv["kind"]] = {
                    "size": int(kv["size"]),
                    "notify": [int(x) for x in kv["notify"].split(",")],
                    "unmapped": [int(x) for x in kv.get("unmapped", "").split(",")
                                 if x],
                }
    return env, runs, memmap, latency, scale


def med(runs, method, size, key="total"):
    r = runs.get((method, size))
    return statistics.median(r[key]) if r else None


def lo(runs, method, size):
    r = runs.get((method, size))
    return min(r["total"]) if r else None


def hi(runs, method, size):
    r = runs.get((method, size))
    return max(r["total"]) if r else None


def preceding(env, runs, size):
    """For each timed repetition at @size, the path timed just before it.

    p2p-vma-bench runs repetition r = 0 (a warm-up, dropped), 1, ... n:
    step k of repetition r is (r + k * (1 + r % (S - 1))) % S for S steps
    (a prime number of them); "env steps" names the steps. Returns
    {path: [(time, previous step), ...]} or {}.
    """
    steps = env.get("steps", "").split(",")
    if len(steps) < 2:
        return {}
    n = max((len(r["total"]) for (m, sz), r in runs.items() if sz == size),
            default=0)
    S = len(steps)
    seq = [(r - 1, steps[(r + k * (1 + r % (S - 1))) % S])
           for r in range(n + 1) for k in range(S)]
    out = {}
    for idx, (rep_i, step) in enumerate(seq):
        r = runs.get((step, size))
        if rep_i < 0 or not idx or not r or rep_i >= len(r["total"]):
            continue
        out.setdefault(step, []).append((r["total"][rep_i], seq[idx - 1][1]))
    return out


def debug_options(path):
    """The debug options a kernel .config has on; None if it cannot be read."""
    try:
        with open(path) as f:
            on = {line.split("=", 1)[0][len("CONFIG_"):]
                  for line in f if re.match(r"CONFIG_\w+=[ym]$", line.strip())}
    except OSError:
        return None
    return [o for o in DEBUG_OPTIONS if o in on]


def slope(runs, method, sizes):
    """Least-squares exponent k of time ~ size^k: 0 is O(1), 1 O(pages)."""
    pts = [(math.log(s), math.log(med(runs, method, s)))
           for s in sizes if med(runs, method, s)]
    if len(pts) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / sxx if sxx else None


def host_facts():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        qemu = subprocess.run(["qemu-system-x86_64", "--version"],
                              capture_output=True, text=True,
                              check=False).stdout.splitlines()[0]
    except (OSError, IndexError):
        qemu = "QEMU ?"
    return cpu, os.cpu_count(), qemu


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--log", required=True, help="the guest's serial log")
    ap.add_argument("--out", required=True, help="directory for the files")
    ap.add_argument("--accel", default="tcg")
    ap.add_argument("--machine", default="",
                    help="the guest machine in words (RAM, CPUs)")
    ap.add_argument("--judge", help="the boot judge's output, to add its counts")
    ap.add_argument("--iommu", action="store_true",
                    help="the IOMMU table: no scale rows, no goals (they are "
                    "for the bus-address path)")
    ap.add_argument("--config", help="the .config of the kernel the guest ran: "
                    "goals are judged only if it has none of the debug options")
    args = ap.parse_args()

    results = []	# (ok, what, why, subtest report lines or None)

    def result(ok, what, why="", sub=None):
        results.append((ok, what, why, sub))

    os.makedirs(args.out, exist_ok=True)
    try:
        env, runs, memmap, latency, scale = parse(args.log)
    except (OSError, KeyError, ValueError) as e:
        env, runs, memmap, latency = {}, {}, {}, {}
        scale = {"revoke": {}, "vmas": {}, "memory": {}}
        result(False, "figures in the serial log", str(e))
    sizes = sorted({s for _, s in runs})
    big = sizes[-1] if sizes else None
    methods = [m for m, _ in PATHS]
    missing = [f"{m} {size_name(s)}" for s in sizes for m in methods
               if (m, s) not in runs and not (m == "gup_anon_thp" and s < 2 << 20)]
    result(bool(sizes) and not missing, "figures of every path at every size",
           "missing: " + ", ".join(missing[:6]) if sizes else "none at all")
    result({"exporter", "p2pdma"} <= memmap.keys(), "memmap figures")
    result({"invalidate", "revoke"} <= latency.keys(), "latency figures")
    if not args.iommu:
        result(set(SCALE_IMPORTERS) <= scale["revoke"].keys() and
               set(SCALE_VMAS) <= scale["vmas"].keys() and
               {"pinned", "dynamic"} <= scale["memory"].keys(),
               "scale figures: revocations, vmas, memory per mapping")

    cpu, ncpu, qemu = host_facts()
    reps = sorted({len(r["total"]) for r in runs.values()})
    out = []
    out.append("p2p vma benchmark: map + unmap of a user range for a peer device's DMA")
    out.append(f"host:    {cpu}, {ncpu} CPUs; {qemu}; accel {args.accel}")
    out.append(f"guest:   {args.machine}; {env.get('cpu', '?')}; "
               f"{env.get('memory', '?')}; THP {env.get('thp', '?')}")
    debug = debug_options(args.config) if args.config else None
    if debug is None:
        kind = "unknown config (no --config): taken as a debug kernel"
    elif debug:
        kind = "DEBUG kernel: " + ", ".join(debug)
    else:
        kind = "production: none of " + ", ".join(DEBUG_OPTIONS)
    production = debug == []
    out.append(f"kernel:  {env.get('kernel', '?')}")
    out.append(f"config:  {kind}")
    if args.iommu:
        out.append("iommu:   VT-d, strict; the importer is an edu behind the host "
                   "bridge, so every p2p mapping is IOVA (dma_iova_link()), RAM and "
                   "P2PDMA through dma_map_sgtable() and the IOMMU")
    out.append("caveat:  TCG emulates the CPU: absolute times mean little; the "
               "ratios and counts, all from this one boot, do." +
               ("" if production else " A debug kernel charges every path "
                "per page, per entry and per lock: no goal is judged."))
    out.append(f"method:  median of {'/'.join(map(str, reps)) or '?'} repetitions "
               "(more for sizes up to 1M); in-kernel ktime_get_ns() around map "
               "and around unmap, except 'p2p ioctl' and 'P2PDMA mmap' "
               "(from userspace); " + env.get("order", "order ?"))
    out.append("")
    head = (["size"] + [f"{h} us" for _, h in PATHS] + [h for _, h in RATIOS] +
            ["ptr/fd", "(ptr-lookup)/fd", "warm ptr/fd",
             "ranges " + "/".join(h for _, h in RANGES)])
    rows = []
    for s in sizes:
        row = [size_name(s)] + [us(med(runs, m, s)) for m in methods]
        row += [ratio(med(runs, m, s), med(runs, "p2p_pinned", s)) for m, _ in RATIOS]
        row.append(xfmt(ptr_fd(runs, s)))
        row.append(xfmt(ptr_fd(runs, s, less_lookup=True)))
        row.append(xfmt(ptr_fd(runs, s, fd="p2p_dma_buf_fd_warm",
                               ptr="p2p_pinned_warm")))
        row.append("/".join(str(runs[(m, s)]["ranges"]) if (m, s) in runs else "-"
                            for m, _ in RANGES))
        rows.append(row)
    widths = [max(len(str(c)) for c in col) for col in zip(head, *rows)] if rows else []
    if rows:
        out.append("| " + " | ".join(h.rjust(w) for h, w in zip(head, widths)) + " |")
        out.append("|" + "|".join("-" * (w + 1) + ":" for w in widths) + "|")
        for row in rows:
            out.append("| " + " | ".join(c.rjust(w) for c, w in zip(row, widths)) + " |")
    out.append("")
    exps = []
    for m, h in PATHS:
        k = slope(runs, m, sizes)
        if k is not None:
            exps.append(f"{h} {k:.2f}")
    out.append("scaling: time ~ size^k over all sizes (0: O(1), 1: O(pages)): " +
               ", ".join(exps))
    if sizes:
        b = sizes[-1]
        out.append(f"spread:  {size_name(b)} min/median/max us: " + ", ".join(
            f"{h} {us(lo(runs, m, b))}/{us(med(runs, m, b))}/{us(hi(runs, m, b))}"
            for m, h in PATHS if (m, b) in runs))
    if sizes:
        prev = preceding(env, runs, sizes[-1])
        for m in ("p2p_pinned", "p2p_dma_buf_fd", "p2p_dynamic"):
            if prev.get(m):
                out.append(f"order:   {size_name(sizes[-1])} {dict(PATHS)[m]}, each "
                           "repetition (us) after the path timed before it: " +
                           ", ".join(f"{us(t)} after {p}" for t, p in prev[m]))
    thp_rows = [(s, runs[("gup_anon_thp", s)]["huge_kib"]) for s in sizes
                if ("gup_anon_thp", s) in runs]
    if thp_rows:
        out.append("thp:     AnonHugePages the kernel gave the THP range: " +
                   ", ".join(f"{size_name(s)} {k if k is not None else '?'} of "
                             f"{s >> 10} KiB" for s, k in thp_rows))

    if "exporter" in memmap and "p2pdma" in memmap:
        ep, eb = memmap["exporter"]
        pp, pb = memmap["p2pdma"]
        out.append(f"memmap:  binding the p2p vma exporters ({human_bytes(eb)} of BARs) "
                   f"added {human_bytes(ep * 4096)} of struct pages; NVMe's "
                   f"{human_bytes(pb)} CMB as P2PDMA added {human_bytes(pp * 4096)} "
                   f"({pp} pages; /proc/vmstat nr_memmap_pages)")
    for kind, words in (("invalidate", "move -> dynamic importer notified"),
                        ("revoke", "move -> pinned importer revoked")):
        lat = latency.get(kind)
        if not lat:
            continue
        text = f"latency: {words}: {us(statistics.median(lat['notify']))} us"
        if lat["unmapped"]:
            text += f", unmapped: {us(statistics.median(lat['unmapped']))} us"
        out.append(text + f" (median of {len(lat['notify'])}, "
                   f"{size_name(lat['size'])} mapping)")

    rv = scale["revoke"]
    if rv:
        out.append("scale:   revocation of N pinned importers of one range by a move "
                   "(median us: the move ioctl / the last importer unmapped; "
                   "slab+vmalloc per armed importer): " + "; ".join(
                       f"{n}: {us(statistics.median(r['move']))}/"
                       f"{us(statistics.median(r['last']))} "
                       f"({statistics.median(r['mem']) / n:.0f} B, "
                       f"<= {r['callbacks']} callbacks each)"
                       for n, r in sorted(rv.items())))
    vm = scale["vmas"]
    if vm:
        out.append("scale:   dynamic map+unmap of N one-page vmas against one vma "
                   "of N pages (median us): " + "; ".join(
                       f"{n}: {us(statistics.median([a + b for a, b in zip(r['map'], r['unmap'])]))}"
                       f" vs {us(statistics.median([a + b for a, b in zip(r['map_one'], r['unmap_one'])]))}"
                       f" ({r['ranges']} range{'s' if r['ranges'] != 1 else ''})"
                       for n, r in sorted(vm.items())))
    mem = scale["memory"]
    if mem:
        out.append("memory:  what one armed mapping keeps (slab + vmalloc): " +
                   ", ".join(f"{k} {size_name(sz)} {human_bytes(max(b, 0))}"
                             for k, (sz, b) in sorted(mem.items())) +
                   "; RAM has 64 B of struct page per 4 KiB page (16 MiB per "
                   "GiB) before any pin, and its pin adds an sg_table")
    if big and ("p2p_dynamic", big) in runs:
        out.append(f"hmm:     a dynamic map of {size_name(big)} faults "
                   f"{big >> 12} pfns with hmm_range_fault() and maps each with "
                   f"hmm_dma_map_pfn(): {us(med(runs, 'p2p_dynamic', big, 'map'))} us "
                   f"map, {us(med(runs, 'p2p_dynamic', big, 'unmap'))} us unmap, "
                   f"{runs[('p2p_dynamic', big)]['ranges']} DMA range(s)")

    def verdict(ok, why=""):
        if args.iommu:
            return "not judged here (the goals are for the bus-address table)"
        if not production:
            return "not judged (" + ("debug kernel" if debug else
                                     "kernel config unknown") + ")"
        return ("met" if ok else "NOT met") + (f" ({why})" if why else "")

    if big:
        p2p = med(runs, "p2p_pinned", big)
        r4k, rthp = med(runs, "gup_anon", big), med(runs, "gup_anon_thp", big)
        thp_kib = runs.get(("gup_anon_thp", big), {}).get("huge_kib")
        thp_full = thp_kib is not None and thp_kib >= big >> 10
        figs = ", ".join(f"{h} {r / p2p:.0f}x" for r, h in
                         ((r4k, "4K pages"), (rthp, "THP")) if r and p2p)
        if big < 1 << 30:
            v = "the goal is for 1G, not measured here"
        else:
            v = verdict(bool(p2p and r4k and rthp and thp_full and
                             r4k / p2p >= GOAL_RAM_4K and rthp / p2p >= GOAL_RAM_THP),
                        "" if thp_full else "THP range not all huge pages")
        out.append(f"goal:    {size_name(big)} map+unmap by pointer >= {GOAL_RAM_4K}x "
                   f"cheaper than 4K-page RAM and >= {GOAL_RAM_THP}x than THP: "
                   f"{figs}: {v}")
        pf = [(s, med(runs, "p2p_pinned", s), med(runs, "p2p_dma_buf_fd", s))
              for s in sizes]
        worst = max(((a / b, s) for s, a, b in pf if a and b), default=None)
        have_all = all(a and b for _, a, b in pf)
        # what is left of the gap once the lookup (timed on its own) is
        # taken out: the goal stays on the whole pointer route
        rest = max(((r, s) for s in sizes
                    for r in [ptr_fd(runs, s, less_lookup=True)] if r is not None),
                   default=None)
        warm = max(((r, s) for s in sizes
                    for r in [ptr_fd(runs, s, fd="p2p_dma_buf_fd_warm",
                                     ptr="p2p_pinned_warm")]
                    if r is not None), default=None)
        lk = med(runs, "p2p_lookup", big)
        out.append(f"goal:    pointer route within {GOAL_PTR_FD}x of the dma-buf fd "
                   f"route at every size: " +
                   (f"worst {worst[0]:.2f}x at {size_name(worst[1])}" if worst else "") +
                   (f" (less its lookup, {us(lk)} us at {size_name(big)}: worst "
                    f"{rest[0]:.2f}x at {size_name(rest[1])}" +
                    (f"; both warm: worst {warm[0]:.2f}x at {size_name(warm[1])}"
                     if warm else "") +
                    ")" if rest and lk else "") +
                   ": " +
                   verdict(have_all and worst is not None and worst[0] <= GOAL_PTR_FD))
        one = all(runs[(m, s)]["ranges"] == 1 for s in sizes
                  for m in ("p2p_pinned", "p2p_dma_buf_fd", "p2p_dynamic")
                  if (m, s) in runs)
        out.append(f"goal:    1 DMA range for a contiguous range at every size: "
                   f"{verdict(one)}")
        if "exporter" in memmap:
            out.append(f"goal:    0 bytes of memmap for the exported BAR: "
                       f"{verdict(memmap['exporter'][0] == 0)}")
    if 1 in rv and 1024 in rv and 16 in rv:
        mv1, mv1k = (statistics.median(rv[n]["move"]) for n in (1, 1024))
        l16, l1k = (statistics.median(rv[n]["last"]) for n in (16, 1024))
        total = mv1k / mv1 if mv1 else math.inf
        # per importer: the last unmap, per importer, grows at most 2x
        # from 16 to 1024 importers (linear, with noise)
        linear = l16 > 0 and (l1k / 1024) <= 2 * (l16 / 16)
        out.append(f"goal:    revoke of 1024 pinned importers < {GOAL_REVOKE}x the "
                   f"time of 1 (the move that revokes them: {total:.1f}x), per "
                   f"importer linear at worst (last unmap per importer: "
                   f"{us(l16 / 16)} us at 16, {us(l1k / 1024)} us at 1024): "
                   f"{verdict(total < GOAL_REVOKE and linear)}")
    else:
        out.append("goal:    revoke of 1024 pinned importers: not measured "
                   "(run p2p-vma-bench with -S)")

    text = "\n".join(out) + "\n"
    sys.stdout.write(text)
    files_ok = True
    try:
        with open(os.path.join(args.out, "bench.txt"), "w") as f:
            f.write(text)
        with open(os.path.join(args.out, "bench.csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["size_bytes"] + [f"{m}_us" for m in methods] +
                       [f"{m}_over_p2p_pinned" for m, _ in RATIOS] +
                       ["p2p_pinned_over_p2p_dma_buf_fd",
                        "p2p_pinned_less_lookup_over_p2p_dma_buf_fd",
                        "p2p_pinned_warm_over_p2p_dma_buf_fd_warm"] +
                       [f"{m}_ranges" for m, _ in RANGES] +
                       [f"{m}_{k}_us" for m in methods for k in ("min", "max")])

            def cell(v):
                return f"{v / 1000:.3f}" if v else ""
            for s in sizes:
                p2p = med(runs, "p2p_pinned", s)
                fd = med(runs, "p2p_dma_buf_fd", s)
                w.writerow([s] + [cell(med(runs, m, s)) for m in methods] +
                           [f"{med(runs, m, s) / p2p:.2f}" if med(runs, m, s) and p2p
                            else "" for m, _ in RATIOS] +
                           [f"{p2p / fd:.3f}" if p2p and fd else ""] +
                           [f"{r:.3f}" if (r := ptr_fd(runs, s, True)) else ""] +
                           [f"{r:.3f}" if (r := ptr_fd(runs, s, fd="p2p_dma_buf_fd_warm",
                                                       ptr="p2p_pinned_warm")) else ""] +
                           [runs[(m, s)]["ranges"] if (m, s) in runs else ""
                            for m, _ in RANGES] +
                           [cell(f(runs, m, s)) for m in methods for f in (lo, hi)])
        with open(os.path.join(args.out, "bench-raw.csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["method", "size_bytes", "rep", "map_ns", "unmap_ns",
                        "dma_ranges", "pages_pinned"])
            for (m, s), r in sorted(runs.items(), key=lambda x: (x[0][1], x[0][0])):
                for i, (a, b) in enumerate(zip(r["map"], r["unmap"])):
                    w.writerow([m, s, i, a, b, r["ranges"], r["pages"]])
            for n, r in sorted(scale["revoke"].items()):
                for i, (a, b) in enumerate(zip(r["move"], r["last"])):
                    w.writerow([f"scale_revoke_{n}", r["size"], i, a, b, "", ""])
            for n, r in sorted(scale["vmas"].items()):
                for i, v in enumerate(zip(r["map"], r["unmap"], r["map_one"],
                                          r["unmap_one"])):
                    w.writerow([f"scale_vmas_{n}", n * 4096, i, v[0], v[1],
                                r["ranges"], ""])
                    w.writerow([f"scale_one_vma_{n}", n * 4096, i, v[2], v[3],
                                "", ""])
            for kind, lat in sorted(latency.items()):
                for i, n in enumerate(lat["notify"]):
                    un = lat["unmapped"][i] if lat["unmapped"] else ""
                    w.writerow([f"latency_{kind}", lat["size"], i, n, un, "", ""])
    except OSError as e:
        files_ok = False
        result(False, "table and CSV files", str(e))
    if files_ok:
        result(True, f"table and CSV in {args.out}")
    result(plot(args.out, sizes, methods), f"plot {args.out}/bench.png")

    if args.judge:
        try:
            with open(args.judge, errors="replace") as f:
                jl = [line.rstrip("\n") for line in f]
            sub = jl[jl.index(ktap.VERSION):]
        except (OSError, ValueError):
            sub = None
        if sub:
            bad = ktap.parse(sub).failed
            result(not bad, "the boot of the bench machine",
                   f"{bad} failed" if bad else "", sub)
        else:
            result(False, "the boot of the bench machine",
                   f"no KTAP report in {args.judge}")
    lines = [ktap.VERSION, f"1..{len(results)}", "# bench report"]
    for n, (ok, what, why, sub) in enumerate(results, 1):
        lines += [ktap.INDENT + line for line in sub or []]
        what = what.replace("#", "\\#")
        lines.append(f"ok {n} {what}" if ok else
                     f"not ok {n} {what}" + (f" # {why}" if why else ""))
    print("\n".join(lines))
    return 1 if ktap.parse(lines).failed else 0


def plot(outdir, sizes, methods):
    """bench.png from bench.csv: one line per path, log-log."""
    gnuplot = shutil.which("gnuplot")
    if not gnuplot or not sizes:
        print("bench: no gnuplot (scripts/deps.sh installs gnuplot-nox)"
              if not gnuplot else "bench: nothing to plot")
        return False
    titles = dict(PATHS)
    lines = []
    for i, m in enumerate(methods):
        lines.append(f"'bench.csv' skip 1 using 1:{i + 2} with linespoints "
                     f"title '{titles[m]}'")
    script = "\n".join([
        "set terminal pngcairo size 1000,700 noenhanced",
        "set output 'bench.png'",
        "set datafile separator ','",
        "set key left top",
        "set logscale xy",
        "set xlabel 'size (bytes)'",
        "set ylabel 'map + unmap, median (us)'",
        "set title 'p2p vma vs pin_user_pages + DMA mapping (QEMU TCG: ratios, not absolute times)'",
        "set grid",
        "plot " + ", \\\n     ".join(lines),
    ]) + "\n"
    with open(os.path.join(outdir, "bench.gp"), "w") as f:
        f.write(script)
    r = subprocess.run([gnuplot, "bench.gp"], cwd=outdir, capture_output=True,
                       text=True, check=False)
    if r.returncode:
        print("bench: gnuplot: " + r.stderr.strip())
    png = os.path.join(outdir, "bench.png")
    return r.returncode == 0 and os.path.exists(png) and os.path.getsize(png) > 0


if __name__ == "__main__":
    sys.exit(main())
