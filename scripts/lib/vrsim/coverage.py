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
from .coverage_summary import KERNEL_FILES, SOURCE_DIRS, makefile_version, summarize
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
