"""scripts/coverage: source coverage of a corpus. Builds the replayers
with clang source-based coverage, runs the shipped corpora (or a
campaign's merged corpora) through them, and writes an llvm-cov HTML
report (OUT/html/index.html), OUT/summary.txt and OUT/summary.json.

usage: python3 -m vrsim.coverage [--targets LIST] [--out DIR] [CAMPAIGN_DIR]
"""

import glob
import json
import os
import re
import subprocess
import sys
import time

from . import catalogue, common, targets
from .common import TOP, die, usage_error

USAGE = """\
usage: scripts/coverage [--targets LIST] [--out DIR] [CAMPAIGN_DIR]

Builds the 'coverage' preset (clang-14 -fprofile-instr-generate) and replays
each target's inputs: corpora/TARGET/seeds and regressions, or, given a
campaign's out dir (scripts/fuzz --out), its merged CAMPAIGN_DIR/corpus/TARGET.
Writes DIR/html/index.html (llvm-cov show, line by line), DIR/summary.json
and DIR/summary.txt, and prints line, function, region and branch coverage
of dma/, ring/, sim/, fuzz/, kernel/ and of each Linux kernel's files
under test: virtio_ring.c (linux-X.Y/) and, for the kernels built with
their device side, drivers/vhost/vringh.c and iotlb.c (linux-X.Y/vringh/,
linux-X.Y/iotlb/), with DIR/linux-X.Y.missed.txt listing, file by file,
the functions and lines that kernel's files left, and DIR/missed-core.txt
the lines never run and branches never taken in each file of ring/, dma/
and sim/.
summary.json also holds each target's own lines and branches ("targets"),
from that target's profiles alone. For fuzz_sim, fuzz_driver, fuzz_device and the Linux
targets it
also writes DIR/matrix.txt and DIR/matrix.json and prints them: the
platform x policy x layout and platform x feature combinations the inputs
reached (the device used at least one buffer).

  --targets LIST  comma-separated targets (default: all but fuzz_empty;
                  fuzz_linux_device and fuzz_linux_devsim for the kernels
                  built with drivers/vhost/vringh.c)
  --out DIR       report directory (default: CAMPAIGN_DIR/coverage, whose
                  campaign page then links it; without CAMPAIGN_DIR, or
                  when that is taken, out/coverage-<UTC timestamp>; must
                  be new or empty)
Inputs that raise a finding are named and replayed on (--keep-going); the
known kernel findings named by catalogue/ entries' Acknowledge: lines are
stepped over (--acknowledge), so a shipped seed's reach behind one counts.
Exit status: 0, 1 when an input raised a finding or a replay failed, 2 on
usage errors.
"""

# The kernel files under test, relative to a staged tree, and the part
# of a kernel's group each makes: linux-6.12/ (virtio_ring.c),
# linux-6.12/vringh/, linux-6.12/iotlb/.
KERNEL_FILES = {"drivers/virtio/virtio_ring.c": "", "drivers/vhost/vringh.c": "vringh/",
                "drivers/vhost/iotlb.c": "iotlb/"}
PARTS = list(KERNEL_FILES.values())
KINDS = ("lines", "functions", "regions", "branches")
# The project's own sources (not the tests, not system headers), in the
# order the table lists them.
SOURCE_DIRS = ("base", "dma", "ring", "sim", "fuzz", "include", "kernel")
# The targets whose replayers' --summary lines make the combination matrix.
MATRIX_TARGETS = ("fuzz_sim", "fuzz_driver", "fuzz_device")


class Options:
    def __init__(self):
        self.targets = None     # the names given with --targets, or None
        self.out = ""
        self.src = ""           # a campaign's out dir, absolute


def options(argv, usage, valued):
    """(name, value) for each argument of ARGV: an option of VALUED with
    the next argument or its =VALUE as value (a usage error without one),
    any other option with None, an operand as (None, it). -h and --help
    print USAGE and leave (Exit(0))."""
    args = list(argv)
    while args:
        a = args.pop(0)
        if a in ("-h", "--help"):
            sys.stdout.write(usage)
            raise common.Exit(0)
        name, eq, value = a.partition("=")
        if name in valued:
            if not eq:
                if not args:
                    usage_error("%s needs a value" % a)
                value = args.pop(0)
            yield name, value
        else:
            yield (a, None) if a.startswith("-") else (None, a)


def parse_args(argv):
    """Options from the command line; Exit(0) after --help, Exit(2) (with
    the message) on a usage error. Names are checked against the
    configured builds (again once the coverage build is configured)."""
    o = Options()
    targets_arg, src = "", ""
    for name, value in options(argv, USAGE, ("--targets", "--out")):
        if name == "--targets":
            targets_arg = value
        elif name == "--out":
            o.out = value
        elif name:
            usage_error("unknown option '%s'" % name)
        elif src:
            usage_error("one campaign dir at most")
        else:
            src = value
    if src:
        if not os.path.isdir(os.path.join(src, "corpus")):
            usage_error("'%s' is not a campaign dir (no corpus/ in it)" % src)
        o.src = os.path.abspath(src)
    if targets_arg:
        o.targets = targets_arg.split(",")
        try:
            targets.check_names(o.targets)
        except targets.Unknown as ex:
            unknown_target(ex)
    beside = os.path.join(o.src, "coverage") if o.src else None
    if not o.out and beside and not (os.path.isdir(beside) and os.listdir(beside)):
        o.out = beside
    if not o.out:
        o.out = os.path.join(TOP, "out", "coverage-" + time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()))
    if os.path.exists(o.out) and (not os.path.isdir(o.out) or os.listdir(o.out)):
        usage_error("out dir '%s' exists and is not empty" % o.out)
    return o


def unknown_target(ex, build=None):
    """A name no build lists is a usage error, naming the available ones;
    a Linux device-side name of a kernel without one stops the run once
    the build says so (BUILD), and is let through before."""
    msg = str(ex)
    if msg.startswith("unknown target"):
        builds = [build] if build else targets.configured_builds()
        available = targets.default(builds[0]) if builds else []
        usage_error("%s (available: %s)" % (msg, ",".join(available)))
    if build:
        die(msg)


def target_kernel(name, first_kernel):
    """The kernel version a target's replayer runs: a Linux target's own
    (fuzz_linux_sim-6.12), the first kernel source's for a plain Linux
    name (fuzz_linux_sim), None for vrsim's own targets."""
    if not targets.is_linux(name):
        return None
    base = targets.corpus_name(name)
    return name[len(base) + 1:] if base != name else first_kernel


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


def inputs_of(name, src):
    """A target's inputs: a campaign's merged corpus, or the shipped seeds
    and regressions."""
    if src:
        d = os.path.join(src, "corpus", name)
        return [d] if os.path.isdir(d) else []
    base = os.path.join(TOP, "corpora", targets.corpus_name(name))
    return [os.path.join(base, d) for d in ("seeds", "regressions")
            if os.path.isdir(os.path.join(base, d))]


def profiles(out, name):
    """NAME's raw profiles (NAME-PID.profraw)."""
    pat = re.compile(re.escape(name) + r"-\d+\.profraw$")
    return sorted(p for p in glob.glob(os.path.join(out, "profiles", name + "-*.profraw"))
                  if pat.match(os.path.basename(p)))


def run(cmd, stdout=None, stderr=None, env=None, what=None):
    """Run an llvm tool, dying when it fails."""
    sys.stdout.flush()
    r = subprocess.run(cmd, stdout=stdout, stderr=stderr, env=env)
    if r.returncode:
        die("%s failed (status %d)" % (what or cmd[0], r.returncode))


def merge(profs, dest):
    run(["llvm-profdata-14", "merge", "-sparse"] + profs + ["-o", dest])


def objects_args(bins):
    """llvm-cov's objects: the first positional, the others -object."""
    args = bins[:1]
    for b in bins[1:]:
        args += ["-object", b]
    return args


def tail(path, n):
    return common.read(path).splitlines()[-n:]


def replay_all(o, names, bindir):
    """Replay each target's inputs into OUT/profiles; the targets measured
    and whether any replay raised a finding or failed."""
    status = 0
    acks = []
    try:
        for a in dict.fromkeys(a for e in catalogue.load(TOP, strict=True)
                               for a in e.acknowledge + e.step_over):
            acks += ["--acknowledge", a]
    except catalogue.Malformed as ex:
        die("the catalogue's Acknowledge: lines cannot be read (%s)" % ex)
    measured = []
    for t in names:
        inputs = inputs_of(t, o.src)
        if not inputs:
            print("   %s: no inputs, skipped" % t)
            continue
        log = os.path.join(o.out, t + ".log")
        env = dict(os.environ, LLVM_PROFILE_FILE=os.path.join(o.out, "profiles", t + "-%p.profraw"))
        sys.stdout.flush()
        with open(log, "w") as err:
            rc = subprocess.run([os.path.join(bindir, "replay_" + t), "--keep-going"] + acks
                                + inputs, stderr=err, env=env).returncode
        last = (tail(log, 1) or [""])[0]
        print("   %s: %s" % (t, last[len("replay: "):] if last.startswith("replay: ") else last))
        if rc == 1:
            found = [ln for ln in common.read(log).splitlines()
                     if re.match(r"^replay: .*: finding", ln)]
            for ln in found[:5]:
                print("      " + ln)
            status = 1
        elif rc:
            for ln in tail(log, 5):
                print("      " + ln)
            status = 1
        measured.append(t)
    return measured, status


def kernel_trees(build):
    return sorted(glob.glob(os.path.join(build, "linux", "*", "tree")))


def kernel_reports(o, measured, bindir, build, sources_title):
    """Each kernel's files under test from that kernel's targets alone:
    the 6.1 and 6.12 replayers define functions of the same name whose
    profile records (name and structural hash) often coincide, so in the
    merged profile a 6.1 function's counters also hold what the 6.12 one
    ran. linux-X.Y.profdata merges the profiles of the -X.Y targets (and of
    the plain-named ones, which are the first kernel source's); its report
    is OUT/html/linux-X.Y/index.html, its figures linux-X.Y.export.json."""
    first = (common.cache_value(build, "VRSIM_LINUX_VERSIONS") or "").split(";")[0]
    for d in kernel_trees(build):
        if not os.path.isfile(os.path.join(d, "Makefile")):
            continue
        v = makefile_version(d)
        kfiles = [os.path.join(d, f) for f in KERNEL_FILES if os.path.isfile(os.path.join(d, f))]
        kbins, kprofs = [], []
        for t in measured:
            if target_kernel(t, first) == v:
                kprofs += profiles(o.out, t)
                kbins.append(os.path.join(bindir, "replay_" + t))
        if not kprofs or not kfiles:
            continue
        prof = os.path.join(o.out, "profiles", "linux-%s.profdata" % v)
        merge(kprofs, prof)
        objs = objects_args(kbins) + ["-instr-profile=" + prof]
        with open(os.path.join(o.out, "linux-%s.log" % v), "a") as log:
            run(["llvm-cov-14", "show"] + objs + [
                "-format=html", "-output-dir=" + os.path.join(o.out, "html", "linux-" + v),
                "-show-line-counts-or-regions", "-project-title=%s: Linux %s" % (sources_title, v)]
                + kfiles, stdout=subprocess.DEVNULL, stderr=log)
            with open(os.path.join(o.out, "linux-%s.export.json" % v), "w") as f:
                run(["llvm-cov-14", "export"] + objs + ["-summary-only"] + kfiles,
                    stdout=f, stderr=log)
            for k in kfiles:
                base = os.path.basename(k)[:-2]
                name = "linux-%s%s.lcov" % (v, "" if base == "virtio_ring" else "-" + base)
                with open(os.path.join(o.out, name), "w") as f:
                    run(["llvm-cov-14", "export"] + objs + ["-format=lcov", k], stdout=f, stderr=log)


def matrix(o, names, bindir):
    """Which platform x policy x layout and feature combinations the inputs
    of the simulation targets reached (the replayers' --summary lines),
    into OUT/matrix.txt and matrix.json, printed. 1 when one failed."""
    status = 0
    summaries = os.path.join(o.out, "summaries.tsv")
    with open(summaries, "w") as out:
        for t in names:
            if t not in MATRIX_TARGETS and not targets.is_linux(t):
                continue
            inputs = inputs_of(t, o.src)
            if not inputs:
                continue
            env = dict(os.environ, LLVM_PROFILE_FILE=os.path.join(o.out, "profiles", "summary-%p.profraw"))
            with open(os.path.join(o.out, t + ".log"), "a") as log:
                r = subprocess.run([os.path.join(bindir, "replay_" + t), "--summary"] + inputs,
                                   stdout=subprocess.PIPE, stderr=log, env=env)
            out.write("".join("%s\t%s\n" % (t, ln) for ln in
                              r.stdout.decode(errors="replace").splitlines()))
            if r.returncode:
                print("   %s: --summary failed (see %s)" % (t, log.name))
                status = 1
    for p in glob.glob(os.path.join(o.out, "profiles", "summary-*.profraw")):
        os.unlink(p)
    if os.path.getsize(summaries):
        sys.stdout.flush()
        with open(summaries) as f:
            if subprocess.run([sys.executable, "-m", "vrsim.matrix", o.out], stdin=f,
                              env=dict(os.environ, PYTHONPATH=os.path.dirname(
                                  os.path.dirname(os.path.abspath(__file__))))).returncode:
                status = 1
    return status


def main(argv):
    common.PROG = "coverage"
    sys.stdout.reconfigure(line_buffering=True)
    o = parse_args(argv)
    common.ensure_packages(*common.BUILD_PACKAGES, "python3")
    os.makedirs(os.path.join(o.out, "profiles"), exist_ok=True)
    o.out = os.path.abspath(o.out)
    # The configured build says which kernels have a device side.
    build = common.configure_preset("coverage")
    if o.targets is None:
        names = targets.default(build)
    else:
        names = o.targets
        for t in names:
            try:
                targets.lookup(build, t)
            except targets.Unknown as ex:
                unknown_target(ex, build)
    replayers = ["replay_" + t for t in names]
    print("== building (%s) with coverage" % " ".join(replayers))
    common.build_executables("coverage", replayers, configure=False)
    bindir = os.path.join(build, "fuzz")

    # Coverage measures reach: a shipped input steps over the known kernel
    # findings the catalogue's entries name (Acknowledge:), as its replays
    # in the test suite do, and goes on to what lies behind them.
    measured, status = replay_all(o, names, bindir)
    if not measured:
        die("no target had inputs")
    bins = [os.path.join(bindir, "replay_" + t) for t in measured]
    merged = os.path.join(o.out, "merged.profdata")
    merge(sorted(glob.glob(os.path.join(o.out, "profiles", "*.profraw"))), merged)
    # The project's own sources; each kernel's files under test as the
    # build extracted them.
    sources = [os.path.join(TOP, d) for d in SOURCE_DIRS]
    kernel_sources = [os.path.join(d, f) for d in kernel_trees(build) for f in KERNEL_FILES
                      if os.path.isfile(os.path.join(d, f))]
    title = "vrsim: " + ("campaign " + os.path.basename(o.src) if o.src else "shipped corpora")
    objs = objects_args(bins) + ["-instr-profile=" + merged]
    run(["llvm-cov-14", "show"] + objs + [
        "-format=html", "-output-dir=" + os.path.join(o.out, "html"),
        "-show-line-counts-or-regions", "-project-title=" + title] + sources,
        stdout=subprocess.DEVNULL)
    kernel_reports(o, measured, bindir, build, title)
    with open(os.path.join(o.out, "export.json"), "w") as f:
        run(["llvm-cov-14", "export"] + objs + ["-summary-only"] + sources, stdout=f)
    # Each target alone: its own profiles, its own replayer, the same sources.
    target_exports = []
    for t in measured:
        profs = profiles(o.out, t)
        if not profs:
            continue
        prof = os.path.join(o.out, "profiles", t + ".profdata")
        merge(profs, prof)
        path = os.path.join(o.out, "profiles", t + ".export.json")
        with open(path, "w") as f:
            run(["llvm-cov-14", "export", os.path.join(bindir, "replay_" + t),
                 "-instr-profile=" + prof, "-summary-only"] + sources + kernel_sources, stdout=f)
        target_exports.append((t, path))
    # The core line by line and branch by branch, for missed-core.txt.
    with open(os.path.join(o.out, "core.lcov"), "w") as f:
        run(["llvm-cov-14", "export"] + objs + ["-format=lcov"]
            + [os.path.join(TOP, d) for d in ("ring", "dma", "sim")], stdout=f)
    summarize(o.out, TOP, target_exports)
    for p in ([os.path.join(o.out, "export.json"), os.path.join(o.out, "core.lcov")]
              + glob.glob(os.path.join(o.out, "linux-*.export.json"))
              + [p for _, p in target_exports]):
        os.unlink(p)

    print()
    status |= matrix(o, names, bindir)
    print()
    has_matrix = os.path.isfile(os.path.join(o.out, "matrix.txt"))
    print("report: %s/html/index.html; summary: %s/summary.txt%s"
          % (o.out, o.out, "; combinations: %s/matrix.txt" % o.out if has_matrix else ""))
    status |= link_from_campaign(o)
    return status


def link_from_campaign(o):
    """A campaign's page links its coverage and matrix from
    CAMPAIGN_DIR/coverage: draw the page again once they are there."""
    if not o.src or o.out != os.path.join(o.src, "coverage") \
            or not os.path.isfile(os.path.join(o.src, "report.json")):
        return 0
    from . import report
    if report.main(["report", o.src]):
        return 1
    print("campaign page: %s/report.html now links it" % o.src)
    return 0


if __name__ == "__main__":
    sys.exit(common.main_wrapper(main, sys.argv[1:]))
