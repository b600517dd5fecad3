"""Reading llvm-cov's output for scripts/coverage: the per-directory
table, each kernel's files under test (vringh's flavours apart), the
lines missed, and OUT/summary.txt and summary.json."""

import glob
import json
import os
import re
import sys

from . import common

# The kernel files under test, relative to a staged tree, and the part
# of a kernel's group each makes: linux-6.12/ (virtio_ring.c),
# linux-6.12/vringh/, linux-6.12/iotlb/.
KERNEL_FILES = {"drivers/virtio/virtio_ring.c": "", "drivers/vhost/vringh.c": "vringh/",
                "drivers/vhost/iotlb.c": "iotlb/"}
PARTS = list(KERNEL_FILES.values())
# The project's own sources (not the tests, not system headers), in the
# order the table lists them.
SOURCE_DIRS = ("base", "dma", "ring", "sim", "fuzz", "include", "kernel")
KINDS = ("lines", "functions", "regions", "branches")


def makefile_version(tree):
    """The X.Y of a staged kernel tree, from its Makefile."""
    v = {}
    for line in common.read(os.path.join(tree, "Makefile")).splitlines():
        m = re.match(r"(VERSION|PATCHLEVEL) *= *(\d+)", line)
        if m and m.group(1) not in v:
            v[m.group(1)] = m.group(2)
    return "%s.%s" % (v.get("VERSION", "?"), v.get("PATCHLEVEL", "?"))


def kernel_group(path):
    """linux-6.12/ (or linux-6.12/vringh/) for a kernel file the coverage
    build extracted; None for any other file."""
    for kf, sub in KERNEL_FILES.items():
        if path.endswith("/tree/" + kf):
            return "linux-%s/%s" % (makefile_version(path[:-len(kf)]), sub)
    return None


def kernel_key(g):
    """linux-6.1/ < linux-6.1/vringh/ < linux-6.1/iotlb/ < linux-6.12/"""
    version, _, sub = g[len("linux-"):].partition("/")
    return ([int(x) if x.isdigit() else 0 for x in version.split(".")],
            PARTS.index(sub) if sub in PARTS else len(PARTS), sub)


def group_totals(files, top):
    """{group: {kind: [covered, count]}} over llvm-cov export's "files":
    a top-level directory of TOP (dma/) or a kernel's file (linux-6.12/),
    and "total"."""
    groups = {}
    for f in files:
        rel = f["filename"].replace(top + "/", "", 1)
        g = kernel_group(f["filename"]) or rel.split("/")[0] + "/"
        for k in KINDS:
            c = f["summary"][k]
            for name in (g, "total"):
                groups.setdefault(name, {x: [0, 0] for x in KINDS})
                groups[name][k][0] += c["covered"]
                groups[name][k][1] += c["count"]
    return groups


def percent(covered, count):
    return 100.0 * covered / count if count else 0.0


def table(groups):
    """The lines of the coverage table, and summary.json's figures of its
    rows: the project's directories, each kernel's files, the total."""
    kernels = sorted((g for g in groups if g.startswith("linux-")), key=kernel_key)
    order = [d + "/" for d in SOURCE_DIRS if d + "/" in groups] + kernels + ["total"]
    width = max(10, max(len(g) for g in order))
    lines = ["%-*s %18s %18s %18s %18s" % (width, "", *KINDS)]
    summary = {}
    for g in order:
        cells = []
        summary[g] = {}
        for k in KINDS:
            cov, n = groups.get(g, {}).get(k, (0, 0))
            pct = percent(cov, n)
            summary[g][k] = {"covered": cov, "count": n, "percent": round(pct, 1)}
            cells.append("%6.1f%% %5d/%-5d" % (pct, cov, n))
        lines.append("%-*s %s" % (width, g, " ".join(cells)))
    return lines, summary


def line_runs(lines):
    """[3, 4, 5, 9] -> ["3-5", "9"]"""
    runs, start = [], None
    for i, n in enumerate(lines):
        if start is None:
            start = n
        if i + 1 == len(lines) or lines[i + 1] != n + 1:
            runs.append("%d" % start if start == n else "%d-%d" % (start, n))
            start = None
    return runs


def lcov_lines(text):
    """(source, {line: hits}, [(first line, function)], [function never
    entered]) of an lcov export of one file."""
    src, da, fns, missed = None, {}, [], []
    for line in text.splitlines():
        if line.startswith("SF:"):
            src = line[3:].strip()
        elif line.startswith("FN:"):
            n, name = line[3:].strip().split(",", 1)
            fns.append((int(n), name.split(":")[-1]))
        elif line.startswith("FNDA:0,"):
            missed.append(line.strip().split(",", 1)[1])
        elif line.startswith("DA:"):
            n, hits = line[3:].strip().split(",")[:2]
            da[int(n)] = int(hits)
    return src, da, sorted(fns), missed


# vringh.c by flavour: "user" (the _user functions and the helpers only
# the _user flavour reaches: slow_copy, range_check), "use_va" (6.12's
# vringh_init_iotlb_va and the blocks under `if (vrh->use_va)`, never set
# by vrsim), "kern" (the _kern functions: `vrsim run --device-side
# linux-kern` and the tests, no fuzz target), "iotlb" (the _iotlb
# functions: fuzz_linux_device and fuzz_linux_devsim) and "core" (the
# shared __vringh_* code and helpers every flavour runs).
USER_ONLY = ("slow_copy", "range_check")
FLAVOURS = ("core", "iotlb", "kern", "user", "use_va")


def use_va_lines(text):
    """The lines of the blocks under `if (vrh->use_va) {` (to the brace
    that closes them, at "} else {")."""
    text = text.split("\n")
    use_va = set()
    for i, t in enumerate(text, 1):
        if re.search(r"\bif \(vrh->use_va\) \{", t):
            depth = 1
            for j in range(i + 1, len(text) + 1):
                t = text[j - 1]
                if t.strip().startswith("}") and depth == 1:
                    break
                depth += t.count("{") - t.count("}")
                use_va.add(j)
    return use_va


def vringh_flavours(da, fns, source):
    """{line: (flavour, function, hits)} for vringh.c's lcov lines (da),
    functions (fns, sorted) and source text."""
    use_va = use_va_lines(source)
    res, k = {}, 0
    for n in sorted(da):
        while k + 1 < len(fns) and fns[k + 1][0] <= n:
            k += 1
        fn = fns[k][1] if fns and fns[k][0] <= n else "?"
        if fn.endswith("_user") or fn in USER_ONLY:
            fl = "user"
        elif fn == "vringh_init_iotlb_va" or n in use_va:
            fl = "use_va"
        elif fn.endswith("_kern") or fn == "kern_xfer":
            fl = "kern"
        elif "iotlb" in fn:
            fl = "iotlb"
        else:
            fl = "core"
        res[n] = (fl, fn, da[n])
    return res


def flavour_figures(fl):
    """vringh.c's flavours counted apart: "driven" leaves out the _user
    flavour and use_va (what no vrsim caller can run), "fuzzed" also the
    _kern flavour (what the fuzz targets drive)."""
    figures = {}
    for name, keep in (("driven", ("core", "iotlb", "kern")), ("fuzzed", ("core", "iotlb"))):
        ls = [v for v in fl.values() if v[0] in keep]
        cov = sum(1 for v in ls if v[2] > 0)
        figures[name] = {"covered": cov, "count": len(ls),
                         "percent": round(100.0 * cov / len(ls), 1) if ls else 0.0}
    for f in FLAVOURS:
        ls = [v for v in fl.values() if v[0] == f]
        figures[f] = {"covered": sum(1 for v in ls if v[2] > 0), "count": len(ls)}
    return figures


def flavour_line(group, figures):
    return ("%s lines (lcov): driven (no _user, no use_va) %.1f%% %d/%d, fuzzed "
            "(_iotlb and core) %.1f%% %d/%d; %s" % (
                group, figures["driven"]["percent"], figures["driven"]["covered"],
                figures["driven"]["count"], figures["fuzzed"]["percent"],
                figures["fuzzed"]["covered"], figures["fuzzed"]["count"],
                ", ".join("%s %d/%d" % (f, figures[f]["covered"], figures[f]["count"])
                          for f in FLAVOURS if figures[f]["count"])))


FILE_OF_PART = {"": "drivers/virtio/virtio_ring.c", "vringh": "drivers/vhost/vringh.c",
                "iotlb": "drivers/vhost/iotlb.c"}


def kernel_missed(out, summary):
    """What each kernel's files under test left, from the lcov exports
    (linux-6.12.lcov for virtio_ring.c, linux-6.12-vringh.lcov,
    linux-6.12-iotlb.lcov): OUT/linux-6.12.missed.txt per kernel, file by
    file; the figures into SUMMARY; the lines to print."""
    missed, flavours, printed = {}, {}, []
    for lcov in sorted(glob.glob(os.path.join(out, "linux-*.lcov"))):
        name = os.path.basename(lcov)[:-5]
        kernel = "linux-" + name[len("linux-"):].split("-")[0]
        part = name[len(kernel) + 1:]
        group = kernel + "/" + (part + "/" if part else "")
        fname = FILE_OF_PART.get(part, part + ".c")
        src, da, fns, missed_fn = lcov_lines(common.read(lcov))
        lines = [n for n in da if da[n] == 0]
        if part == "vringh":
            text = common.read(src) if src else ""
            flavours[group] = vringh_flavours(da, fns, text)
        runs = line_runs(lines)
        summary.setdefault(group, {})["missed_functions"] = missed_fn
        summary[group]["missed_lines"] = runs
        missed.setdefault(kernel, []).append((fname, missed_fn, lines, runs, group))
    order_of = list(FILE_OF_PART.values())
    for kernel, parts in sorted(missed.items()):
        parts.sort(key=lambda p: order_of.index(p[0]) if p[0] in order_of else len(order_of))
        with open(os.path.join(out, kernel + ".missed.txt"), "w") as m:
            m.write(missed_text(parts, flavours))
        for fname, fn, ln, _, group in parts:
            printed.append("%s: %d functions never entered, %d lines never run (%s.missed.txt)"
                           % (group if len(parts) > 1 else kernel, len(fn), len(ln), kernel))
    for group, fl in sorted(flavours.items(), key=lambda g: kernel_key(g[0])):
        figures = flavour_figures(fl)
        summary.setdefault(group, {})["flavours"] = figures
        printed.append(flavour_line(group, figures))
    return printed


def missed_text(parts, flavours):
    """One kernel's linux-X.Y.missed.txt: per file the functions never
    entered and the lines never run, then vringh.c's by flavour."""
    w = []
    for i, (fname, missed_fn, lines, runs, _) in enumerate(parts):
        if len(parts) > 1:
            w.append("%s== %s\n" % ("\n" if i else "", fname))
        w.append("functions never entered (%d):\n" % len(missed_fn))
        w.extend("  %s\n" % fn for fn in missed_fn)
        w.append("lines never run (%d), by run:\n  %s\n" % (len(lines), " ".join(runs)))
    for fname, _, lines, _, group in parts:
        if group not in flavours:
            continue
        fl = flavours[group]
        w.append("\n== %s, lines never run by flavour and function\n"
                 "(user: the _user flavour, never driven; use_va: never set;\n"
                 " kern: vrsim run --device-side linux-kern and the tests only;\n"
                 " iotlb, core: the fuzzed _iotlb flavour and the shared code)\n" % fname)
        byfn = {}
        for n in lines:
            f, fn, _ = fl.get(n, ("?", "?", 0))
            byfn.setdefault((f, fn), []).append(n)
        for (f, fn), ns in sorted(byfn.items(), key=lambda x: (x[0][0], x[1][0])):
            w.append("  %-6s %-28s %s\n" % (f, fn, " ".join(line_runs(ns))))
    return "".join(w)


def target_figures(totals):
    """A target's own lines and branches from its export's totals."""
    return {k: {"covered": totals[k]["covered"], "count": totals[k]["count"],
                "percent": round(percent(totals[k]["covered"], totals[k]["count"]), 1)}
            for k in ("lines", "branches")}


def target_lines(per_target):
    if not per_target:
        return []
    return ["each target alone (all sources above): lines, branches"] + [
        "  %-24s %6.1f%% %5d/%-5d  %6.1f%% %5d/%-5d" % (
            t, v["lines"]["percent"], v["lines"]["covered"], v["lines"]["count"],
            v["branches"]["percent"], v["branches"]["covered"], v["branches"]["count"])
        for t, v in per_target.items()]


def core_missed(text, top):
    """OUT/missed-core.txt from the core's lcov export: per file of ring/,
    dma/ and sim/ the runs of lines never run and the branches never
    taken (DA:line,hits and BRDA:line,block,branch,taken, '-' when the
    line never ran)."""
    core, cur = {}, None
    for line in text.splitlines():
        if line.startswith("SF:"):
            cur = core.setdefault(line[3:].strip().replace(top + "/", "", 1),
                                  {"lines": [], "nlines": 0, "branches": {}, "nbranches": 0})
        elif cur is None:
            continue
        elif line.startswith("DA:"):
            n, hits = line[3:].strip().split(",")[:2]
            cur["nlines"] += 1
            if hits == "0":
                cur["lines"].append(int(n))
        elif line.startswith("BRDA:"):
            n, _, _, taken = line[5:].strip().split(",")
            cur["nbranches"] += 1
            if taken in ("-", "0"):
                cur["branches"][int(n)] = cur["branches"].get(int(n), 0) + 1
    w = ["ring/, dma/, sim/: per file, lines never run (by run) and branches never\n"
         "taken (by line: line*count); a VRS_NEVER/VRS_ALWAYS branch is not counted\n"]
    for f in sorted(core):
        c = core[f]
        nb = sum(c["branches"].values())
        if not c["lines"] and not nb:
            continue
        w.append("\n%s: %d of %d lines never run, %d of %d branches never taken\n"
                 % (f, len(c["lines"]), c["nlines"], nb, c["nbranches"]))
        if c["lines"]:
            w.append("  lines: %s\n" % " ".join(line_runs(sorted(c["lines"]))))
        if nb:
            w.append("  branches: %s\n" % " ".join(
                "%d" % n if k == 1 else "%d*%d" % (n, k) for n, k in sorted(c["branches"].items())))
    return "".join(w)


def export_files(path):
    return json.loads(common.read(path))["data"][0]["files"]


def summarize(out, top, target_exports):
    """summary.txt (also printed), summary.json, the kernels' missed.txt
    and missed-core.txt from the exports the run left in OUT;
    TARGET_EXPORTS: [(target, its own export)]."""
    files = export_files(os.path.join(out, "export.json"))
    # each kernel's files from its own targets' profiles
    for kexport in sorted(glob.glob(os.path.join(out, "linux-*.export.json"))):
        files += export_files(kexport)
    printed, summary = table(group_totals(files, top))
    printed += kernel_missed(out, summary)
    summary["targets"] = {}
    for t, path in target_exports:
        summary["targets"][t] = target_figures(json.loads(common.read(path))["data"][0]["totals"])
    printed += target_lines(summary["targets"])
    with open(os.path.join(out, "missed-core.txt"), "w") as m:
        m.write(core_missed(common.read(os.path.join(out, "core.lcov")), top))
    text = "".join(line + "\n" for line in printed)
    with open(os.path.join(out, "summary.txt"), "w") as f:
        f.write(text)
    sys.stdout.write(text)
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
