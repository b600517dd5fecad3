"""scripts/bench-fuzz: fuzzing throughput. execs/s of every libFuzzer
target (ASan+UBSan build, one core, from the shipped seeds), beside the
do-nothing fuzz_empty built the same way. Figures only: no pass/fail.

usage: python3 -m vrsim.bench [--seconds N] [--corpora DIR] [-h|--help]
"""

import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile

from . import catalogue, common, coverage, stats, targets
from .common import TOP, usage_error

USAGE = """\
usage: scripts/bench-fuzz [--seconds N] [--corpora DIR] [-h|--help]

Runs each libFuzzer target for N seconds (default 20) on core 0 (taskset
-c 0) from a copy of corpora/TARGET/seeds (one 1-byte input for a target
without seeds), with -max_len=512 and a fixed -seed, and prints execs/s
and execs/s as a share of fuzz_empty's; beside them the mean size of the
inputs the run ended with, and how fast the gcc -O2 replayer (no engine,
no sanitizer) runs those same inputs: the simulation's own cost, a
ceiling for the fuzzer. The targets: vrsim's own, fuzz_empty included,
and the Linux ones of each kernel (fuzz_linux_device and
fuzz_linux_devsim for the kernels built with drivers/vhost/vringh.c).
The kernels carry catalogue/'s candidate fixes (as scripts/fuzz
--apply-fixes builds them, in build/libfuzzer-fixed and
build/bench-fixed), so that a known kernel finding in the seeds does not
end a Linux target's run in its first second.

A second table says where the replayer's time per input goes on that
corpus (replay --costs, sampled, at least 3 s per target): set-up (the
machine and queues), run (the workload, steady cycles, drain), checks
(state checks, referee, leak check), teardown, and "target" (outside a
simulation's phases: parsing; all of a DMA-layer target).

  --corpora DIR  keep each target's end corpus in DIR/TARGET (to profile
                 the replayers on them); DIR must not exist yet
"""

ROW = "%-24s %12s %11s %11s %16s"
FINDING_RE = re.compile(r"ERROR: libFuzzer|vrsim: finding")
AVERAGE_RE = re.compile(r"stat::average_exec_per_sec: *(\d*)")
NATIVE_RE = re.compile(r"(\d+) inputs/s in the runs")


def parse_args(argv):
    """(seconds per target, the directory to keep the corpora in or None);
    Exit(0) after --help, Exit(2) on a usage error."""
    seconds, keep = "20", None
    for name, value in coverage.options(argv, USAGE, ("--seconds", "--corpora")):
        if name == "--seconds":
            seconds = value
        elif name == "--corpora":
            keep = value
        else:
            usage_error("unknown argument '%s'" % (name or value))
    if not re.fullmatch(r"[0-9]+", seconds) or int(seconds) < 1:
        usage_error("--seconds needs a positive number, not '%s'" % seconds)
    if keep is not None and (not keep or os.path.lexists(keep)):
        usage_error("--corpora needs a directory that does not exist yet, not '%s'" % keep)
    return int(seconds), keep


def rate_of(log):
    """execs/s of one libFuzzer run: its final average, or the last
    status line's when the run printed no final stats."""
    m = AVERAGE_RE.search(log)
    if m and m.group(1):
        return int(m.group(1))
    return stats.libfuzzer_stats(log)["last_rate"]


def finding_line(log):
    """The first line of a libFuzzer log that says the run stopped on a
    finding, or None."""
    for line in log.splitlines():
        if FINDING_RE.search(line):
            return line
    return None


def corpus_files(d):
    return [os.path.join(r, f) for r, _, fs in os.walk(d) for f in fs]


def native_figure(replayer_stderr):
    """inputs/s of the replayer's --passes run ("-" when it said none)."""
    m = NATIVE_RE.search(replayer_stderr)
    return m.group(1) if m else "-"


def native_rate(replayer, d, env):
    """What the inputs of D cost with no engine and no sanitizer: each run
    20 times by the gcc -O2 replayer (file reading left out), and their
    mean size; ("-", "-") for an empty corpus."""
    files = corpus_files(d)
    if not files:
        return "-", "-"
    size = sum(os.path.getsize(f) for f in files) // len(files)
    r = subprocess.run([replayer, "--passes", "20", d], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, env=env)
    return native_figure(r.stderr.decode(errors="replace")), str(size)


PHASES = ("set-up", "run", "checks", "teardown", "target")
COSTS_RE = re.compile(r"cost per input, microseconds: (.*) total ([0-9.]+) \((\d+) samples\)")
COST_ROW = "%-24s" + " %9s" * (len(PHASES) + 1) + " %8s"


def costs_figures(replayer_stderr):
    """{phase: microseconds per input, "total": ..., "samples": n} from the
    replayer's --costs line, or None when it printed none."""
    m = COSTS_RE.search(replayer_stderr)
    if not m:
        return None
    f = {k: float(v) for k, v in re.findall(r"([a-z-]+) ([0-9.]+)", m.group(1))}
    f["total"], f["samples"] = float(m.group(2)), int(m.group(3))
    return f if all(p in f for p in PHASES) else None


def native_costs(replayer, d, env, rate):
    """Where the replayer's time per input goes on the inputs of D, from a
    --costs run long enough (about 3 s at RATE inputs/s) for its samples;
    None for an empty corpus or a run that printed no figures."""
    files = corpus_files(d)
    if not files or not str(rate).isdigit() or int(rate) == 0:
        return None
    passes = max(20, min(1000000, -(-3 * int(rate) // len(files))))
    r = subprocess.run([replayer, "--costs", "--passes", str(passes), d],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    return costs_figures(r.stderr.decode(errors="replace"))


def costs_table(names, costs):
    """The lines of the second table: each target's cost per input by
    phase, in microseconds, and how many samples the shares rest on."""
    lines = ["", "cost per input in the native replayer, microseconds (replay --costs, sampled):",
             COST_ROW % (("target",) + PHASES + ("total", "samples"))]
    for t in names:
        c = costs.get(t)
        if c is None:
            lines.append(COST_ROW % ((t,) + ("-",) * (len(PHASES) + 2)))
            continue
        lines.append(COST_ROW % ((t,) + tuple("%.1f" % c[p] for p in PHASES + ("total",))
                                 + (str(c["samples"]),)))
    lines.append('"target": in the target outside a simulation\'s phases (parsing the input;')
    lines.append("all of a DMA-layer target's run).")
    return lines


def commas(x):
    """12345 -> 12,345; anything not a number as it is."""
    x = str(x)
    return "{:,}".format(int(x)) if x.isdigit() else x


def table(names, seconds, rate, native, size, machine, cores):
    """The lines bench-fuzz prints: execs/s per target and as a share of
    fuzz_empty's, the mean input size and the native replayer's rate."""
    base = rate.get("fuzz_empty", 0)
    lines = ["libFuzzer + ASan + UBSan, one core (taskset -c 0), %d s per target, "
             "-max_len=512 -seed=1, %s, %d core(s); kernels with catalogue/'s fixes"
             % (seconds, machine, cores),
             ROW % ("target", "execs/s", "% of empty", "mean bytes", "native inputs/s")]
    for t in names:
        pct = "%.1f%%" % (100.0 * rate[t] / base) if base > 0 else "-"
        lines.append(ROW % (t, commas(rate[t]), pct, size[t], commas(native[t])))
    lines.append("mean bytes: of the corpus the run ended with; native inputs/s: that corpus")
    lines.append("replayed by the gcc -O2 replayer (build/bench-fixed), no engine, no sanitizer.")
    return lines


def run_target(t, seconds, work, exe, env):
    """One libFuzzer run of T from a copy of its seeds in WORK/T; its log."""
    corpus = os.path.join(work, t)
    os.makedirs(corpus)
    seeds = os.path.join(TOP, "corpora", targets.corpus_name(t), "seeds")
    if os.path.isdir(seeds):
        shutil.copytree(seeds, corpus, dirs_exist_ok=True)
    # fuzz_empty has no corpus: one byte, so it starts like the others.
    if not os.listdir(corpus):
        with open(os.path.join(corpus, "seed"), "wb") as f:
            f.write(b"\x01")
    print("   %s: %d s ..." % (t, seconds), file=sys.stderr, flush=True)
    with open(corpus + ".log", "w") as log:
        subprocess.run(["taskset", "-c", "0", exe, "-max_len=512", "-seed=1",
                        "-max_total_time=%d" % seconds, "-timeout=10", "-rss_limit_mb=2048",
                        "-print_final_stats=1"] + common.LIBFUZZER_SCHEDULE
                       + ["-artifact_prefix=%s/" % work, corpus],
                       cwd=work, stdout=log, stderr=subprocess.STDOUT, env=env)
    return common.read(corpus + ".log")


def main(argv):
    common.PROG = "bench-fuzz"
    seconds, keep = parse_args(argv)
    common.ensure_packages(*common.BUILD_PACKAGES, "python3")
    env = common.sanitizer_env(common.step_overs_env(dict(os.environ)))
    # Every target, the Linux device side's for the kernels built with it,
    # the kernels with the catalogue's fixes.
    try:
        fixes = catalogue.fixes(TOP)
    except catalogue.Malformed as ex:
        common.die("the catalogue's fixes cannot be read (%s)" % ex)
    defs = ["-DVRSIM_LINUX_PATCHES=%s" % ";".join(fixes)] if fixes else []
    suffix = "-fixed" if fixes else ""
    build = common.configure_preset("libfuzzer", os.path.join(TOP, "build", "libfuzzer" + suffix),
                                    defs)
    names = targets.default(build, "all")
    common.build_executables("libfuzzer", names, build, configure=False)
    bench = common.build_executables("bench", ["replay_" + t for t in names],
                                     os.path.join(TOP, "build", "bench" + suffix), defs)
    rate, native, size, costs = {}, {}, {}, {}
    with tempfile.TemporaryDirectory() as work:
        for t in names:
            log = run_target(t, seconds, work, os.path.join(build, "fuzz", t), env)
            rate[t] = rate_of(log)
            replayer = os.path.join(bench, "fuzz", "replay_" + t)
            corpus = os.path.join(work, t)
            native[t], size[t] = native_rate(replayer, corpus, env)
            costs[t] = native_costs(replayer, corpus, env, native[t])
            if keep:
                shutil.copytree(corpus, os.path.join(keep, t))
            found = finding_line(log)
            if found:
                print("   %s: the run stopped on a finding (figure covers the run until then):"
                      % t, file=sys.stderr)
                print(found, file=sys.stderr, flush=True)
    print()
    print("\n".join(table(names, seconds, rate, native, size, platform.machine(),
                          len(os.sched_getaffinity(0)))))
    print("\n".join(costs_table(names, costs)))
    if keep:
        print("end corpora kept in %s" % keep)
    return 0


if __name__ == "__main__":
    sys.exit(common.main_wrapper(main, sys.argv[1:]))
