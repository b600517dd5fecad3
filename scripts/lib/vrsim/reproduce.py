"""scripts/reproduce: reproduce one fuzzing finding with one command. Prints
the input decoded as a program, then runs it through the target's
replayer, which prints the finding. Or replays it across kernels (and
bisects), writes it up for a mailing list, minimises a crashing input, or
keeps an input as a regression of its corpus (vrsim/regressions.py).

    PYTHONPATH=scripts/lib python3 -m vrsim.reproduce [OPTION]... TARGET FILE
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import traceback

from . import common
from . import files
from . import kernels
from . import regressions
from . import targets
from . import upstream
from .common import Exit, die
from .replayer import build_of, catalogued, finding_of, findings_line, run, run_logged, say

USAGE = """\
usage: scripts/reproduce [--asan|--plain] [--replayer EXE]
                         [--acknowledge KIND:PREFIX]... TARGET FILE
       scripts/reproduce --kernel SRC [--kernel SRC...] [--asan|--plain]
                         [--kind KIND] [--timeout S]
                         [--acknowledge KIND:PREFIX]... TARGET FILE
       scripts/reproduce --bisect --kernel SRC [--kind KIND] [--asan|--plain]
                         TARGET FILE
       scripts/reproduce --report [--report-out OUT] [--kernel SRC]
                         [--asan|--plain] [--replayer EXE] TARGET FILE
       scripts/reproduce --minimize TARGET FILE
       scripts/reproduce --add-regression NAME TARGET FILE [--why TEXT]
                         [--asan|--plain] [--replayer EXE]
       scripts/reproduce -h|--help

Builds the replayer of TARGET if needed and runs FILE through it, after
printing FILE decoded as a readable program.
  --plain     gcc build, no sanitizer (preset 'default'; the default)
  --asan      clang-14 ASan+UBSan build (preset 'asan')
  --replayer EXE
              run FILE through EXE, an already built replay_TARGET (of
              any build), instead of building one
  --kernel SRC
              replay FILE on the kernel SRC (repeatable): a kernel tree, a
              linux-source-*.tar.xz, or a Debian linux-source-*.deb. Each
              is staged (only the files virtio_ring.c needs, and vringh.c
              and iotlb.c with theirs where the source has them) and built
              once, in build/kernels/KEY/ (KEY: a hash of a file's path,
              mtime and size, or of a tree's path and staged files'
              contents), and reused. One line per kernel on stdout:
              "RELEASE: FINDING" (the oracle's line, or a sanitizer's
              summary), "RELEASE: clean", "RELEASE: does not build
              against the shim (log: PATH)", or, for a device-side
              target, "RELEASE: has no drivers/vhost/vringh.c". TARGET
              is a Linux target, with or without a version
              (fuzz_linux_sim, fuzz_linux_driver, fuzz_linux_device,
              fuzz_linux_devsim; fuzz_linux_sim-6.1): each kernel's own
              version is used
              The replay goes on after a finding (--keep-going), so the
              line names every kind the input raises: the first's line,
              then "(also: KIND...)"
  --kind KIND[,KIND...]
              with --kernel: only these kinds count as a finding; the
              others are named as "clean (other findings: ...)" (bisect
              one bug on an input another one also trips over)
  --acknowledge KIND:PREFIX
              step over a finding of KIND whose message starts with PREFIX
              (repeatable): to see what lies past a known kernel finding,
              as a catalogue entry's Acknowledge: line does
  --timeout S a replay (or decode) that outlasts S seconds (default 60) is
              reported as a finding, "timeout"
  --bisect    with one --kernel, for git bisect run: exit 0 clean, 1 a
              finding, 125 the kernel cannot be built (skip); a mistake
              of the command line exits 128, which stops the bisection
  --report    write a plain-text report for the maintainers of the
              kernel file under test (to stdout, or to OUT with
              --report-out OUT): To: and Cc: (virtio for virtio_ring.c,
              the ring's targets; vhost for drivers/vhost/vringh.c and
              iotlb.c, the device side's), subject, kernel and the
              file's sha1, platform and features, the trace, expected
              against observed, the kernel lines, the command. On
              --kernel SRC's build, else this tree's
  --minimize  shrink a crashing FILE with libFuzzer (-minimize_crash=1,
              -runs=10000) into FILE.min; the crash must reproduce in the
              libFuzzer build
  --add-regression NAME
              keep FILE as a regression: copy it to
              corpora/CORPUS/regressions/NAME (CORPUS: TARGET without a
              kernel version) and add the line "NAME: DESCRIPTION" to
              corpora/CORPUS/regressions.txt; the corpus_* tests replay it
              from then on and fail on any finding. NAME: letters, digits,
              '.', '_', '-', not starting with '.', not taken. FILE is
              replayed first (as without this flag, quietly): the
              description is "once found" the finding it prints, with the
              date, or "found nothing when added on" the date; a warning
              says when it still finds something here
  --why TEXT  the description instead (one line): what the input once found
Exit status: that of the replayer (0: nothing found; non-zero: the finding
reproduced); --kernel: 0 when every kernel ran, whatever it found, 1 when
one could not be built; --bisect: above; --report: 0 written, 1 when FILE
finds nothing; --minimize and --add-regression: 0 when done (even if the
regression still finds its bug), 1 on a failure; 2 on usage errors (a NAME
already taken, a missing FILE, an unknown TARGET, a --kernel that is no
kernel source: nothing is run or written). --add-regression refuses (2) an
input that still reproduces a catalogued kernel finding (catalogue/): an
unfixed kernel bug is not a regression.
Targets: %s"""


class Options:
    """The command line, parsed."""
    preset = "default"
    minimize = bisect = report = False
    add_name = why = replayer = report_out = kinds = None
    timeout = "60"

    def __init__(self):
        self.kernels, self.ack, self.args = [], [], []


# Under --bisect (git bisect run), any exit from 1 to 127 but 125 would
# mark a commit bad: a mistake of the command line or a broken vrsim build
# must stop the bisection instead (git bisect run aborts on 128 and above).
USAGE_STATUS = 2


def usage_error(msg):
    try:
        common.usage_error(msg)
    except Exit:
        raise Exit(USAGE_STATUS) from None


def listed_targets(build=None):
    """Every target the build lists (BUILD, else the first configured
    one): vrsim's own by name, then the kernel's, as a campaign runs them;
    [] when no build is configured yet."""
    build = build or next(iter(targets.configured_builds()), None)
    if not build:
        return []
    listed = targets.read(build) or []
    own = sorted(t.name for t in listed if t.group != "linux")
    return own + [n for n in targets.default(build) if targets.is_linux(n)]


def targets_line(build=None):
    return " ".join(listed_targets(build)) or "(none yet: the build lists them once configured)"


def parse(argv):
    o = Options()
    i = 0

    def value():
        if i + 1 >= len(argv):
            usage_error("%s needs a value" % argv[i])
        return argv[i + 1]
    while i < len(argv):
        a = argv[i]
        step = 1
        if a in ("-h", "--help"):
            print(USAGE % targets_line())
            raise Exit(0)
        if a in ("--asan", "--plain"):
            o.preset = "asan" if a == "--asan" else "default"
        elif a in ("--minimize", "--minimise"):
            o.minimize = True
        elif a == "--bisect":
            o.bisect = True
        elif a == "--report":
            o.report = True
        elif a in ("--add-regression", "--why", "--replayer", "--kernel", "--report-out",
                   "--timeout", "--kind", "--acknowledge"):
            v, step = value(), 2
            if a == "--kernel":
                o.kernels.append(v)
            elif a == "--acknowledge":
                if not re.match(r"[a-z-]+:.", v, re.S):
                    usage_error("--acknowledge needs KIND:PREFIX, not '%s'" % v)
                o.ack.append(v)
            else:
                setattr(o, {"--add-regression": "add_name", "--report-out": "report_out",
                            "--kind": "kinds"}.get(a, a[2:]), v)
                o.report = o.report or a == "--report-out"
        elif a == "--":
            o.args += argv[i + 1:]
            break
        elif a.startswith("-"):
            usage_error("unknown option '%s'" % a)
        else:
            o.args.append(a)
        i += step
    return o


def check_combinations(o):
    adding, nk = o.add_name is not None, len(o.kernels)
    if adding and o.minimize:
        usage_error("--add-regression and --minimize do not go together")
    if o.why is not None and not adding:
        usage_error("--why goes with --add-regression")
    if o.replayer is not None and o.minimize:
        usage_error("--replayer does not go with --minimize (it needs the libFuzzer build)")
    if (nk or o.bisect or o.report) and (adding or o.minimize):
        usage_error("--kernel, --bisect and --report do not go with --add-regression or --minimize")
    if nk and o.replayer is not None:
        usage_error("--replayer does not go with --kernel (each kernel has its own)")
    if o.bisect and nk != 1:
        usage_error("--bisect needs exactly one --kernel")
    if o.bisect and o.report:
        usage_error("--bisect and --report do not go together")
    if o.report and nk > 1:
        usage_error("--report takes one --kernel at the most")
    if o.kinds is not None and not nk:
        usage_error("--kind goes with --kernel")
    if o.kinds is not None and not re.fullmatch(r"[a-z-]+(,[a-z-]+)*", o.kinds):
        usage_error("--kind takes finding kinds, comma-separated, not '%s'" % o.kinds)
    if not re.fullmatch(r"[1-9][0-9]{0,4}", o.timeout):
        usage_error("--timeout takes whole seconds (1 to 99999), not '%s'" % o.timeout)
    if len(o.args) != 2:
        usage_error("need TARGET and FILE")


def check_target(o, builds, only=None):
    """TARGET is one the BUILDS list (ONLY, when given, the one build to
    ask; with --kernel, any version of a Linux role they list: each kernel
    gives its own)."""
    target = o.args[0]
    linux_roles = {t.corpus for b in builds for t in targets.read(b) or [] if t.group == "linux"}
    if not (o.kernels and targets.is_linux(target) and targets.corpus_name(target) in linux_roles):
        try:
            targets.check_names([target], only)
        except targets.Unknown as ex:
            msg = str(ex)
            if msg.startswith("unknown target"):
                msg += " (available: %s)" % targets_line(builds[0])
            usage_error(msg)
    if (o.kernels or o.report) and not targets.is_linux(target):
        usage_error("'%s' is not a Linux target (--kernel and --report take fuzz_linux_sim, "
                    "fuzz_linux_driver, fuzz_linux_device or fuzz_linux_devsim, with or "
                    "without a version)" % target)


def replayer_build(o):
    """The build the given replayer is in, when it lists its targets."""
    build = o.replayer and build_of(o.replayer)
    return build if build and targets.read(build) is not None else None


def check_files(o):
    f = o.args[1]
    if not os.path.exists(f):
        usage_error("no such file: %s" % f)
    if not os.path.isfile(f):
        usage_error("not a regular file: %s" % f)
    if not os.access(f, os.R_OK):
        usage_error("cannot read %s" % f)
    if o.replayer is not None and not (os.path.isfile(o.replayer)
                                       and os.access(o.replayer, os.X_OK)):
        usage_error("not an executable replayer: %s" % o.replayer)
    # every --kernel is checked before anything is built or run
    for k in o.kernels:
        if not os.path.exists(k):
            usage_error("--kernel %s: no such file or directory" % k)
        if kernels.kind(k) is None:
            usage_error("--kernel %s: not a kernel source (a kernel tree holding "
                        "drivers/virtio/virtio_ring.c, a linux-source-*.tar.xz or a Debian "
                        "linux-source-*.deb)" % k)
    if o.report_out is not None:
        if not os.path.isdir(os.path.dirname(o.report_out) or "."):
            usage_error("--report-out %s: no such directory" % o.report_out)
        if os.path.isdir(o.report_out):
            usage_error("--report-out %s is a directory" % o.report_out)


# ------------------------------------------------------------- running

def acks(o):
    return [x for a in o.ack for x in ("--acknowledge", a)]


def replayer_of(o, preset=None):
    """The replayer of TARGET: the one given, or this tree's, built if
    needed."""
    if o.replayer is not None:
        return o.replayer
    preset = preset or o.preset
    common.build_executables(preset, ["replay_" + o.args[0]])
    return os.path.join(common.TOP, "build", preset, "fuzz", "replay_" + o.args[0])


def across_kernels(o, env):
    """--kernel (and --bisect): one line per kernel."""
    status, outcome = 0, None
    base, f = targets.corpus_name(o.args[0]), o.args[1]
    kinds = o.kinds.split(",") if o.kinds else None
    for src in o.kernels:
        k = kernels.prepare(src, base, o.preset)
        if k.replay is None:
            if k.failed == "device":
                print("%s: has no drivers/vhost/vringh.c (no device side; log: %s)"
                      % (k.release, k.log))
            elif k.failed == "build":
                print("%s: does not build against the shim (log: %s)" % (k.release, k.log))
            else:
                print("%s: cannot be staged from %s (log: %s)" % (k.release, src, k.log))
            status, outcome = 1, "unbuilt"
            continue
        say("== %s: replaying %s through replay_%s" % (k.release, f, k.target))
        rc, log = run_logged([k.replay, "--keep-going"] + acks(o) + [f], o.timeout, env)
        found = findings_line(log, rc, kinds, o.timeout)
        print("%s: %s" % (k.release, found), flush=True)
        outcome = "clean" if found.startswith("clean") else "finding"
    if o.bisect:
        return {"clean": 0, "finding": 1}.get(outcome, 125)
    return status


def tree_path(path):
    """A path as the reproducing command names it: in this tree, relative."""
    p = os.path.realpath(path)
    return p[len(common.TOP) + 1:] if p.startswith(common.TOP + "/") else p


def report(o, env):
    """--report: the maintainers' text, to stdout or OUT."""
    target, f = o.args
    base = targets.corpus_name(target)
    if o.kernels:
        k = kernels.prepare(o.kernels[0], base, o.preset)
        if k.replay is None:
            if k.failed == "device":
                die("%s has no drivers/vhost/vringh.c: no %s to report on (log: %s)"
                    % (k.release, base, k.log))
            die("%s does not build against the shim (log: %s)" % (k.release, k.log))
        replay, tree, release, rtarget = k.replay, k.tree, k.release, k.target
        source = os.path.realpath(o.kernels[0])
    else:
        if o.replayer is not None:
            replay = o.replayer
            build = build_of(replay)
            if not build:
                die("%s is in no CMake build directory: cannot tell its kernel" % replay)
        else:
            replay = replayer_of(o)
            build = common.build_dir(o.preset)
        tag = target[len(base):].lstrip("-") or (targets.kernels(build)[0] or [""])[0]
        tree = common.cache_value(build, "VRSIM_LINUX_TREE_" + tag) or ""
        if not tree or not os.path.isfile(os.path.join(tree, "Makefile")):
            die("%s holds no staged Linux %s tree" % (build, tag))
        release = kernels.version(tree, "release")
        rtarget = "%s-%s" % (base, tag)
        # the stamp kernel/CMakeLists.txt leaves beside the staged tree
        stamp = common.read(os.path.join(os.path.dirname(tree), ".stamp")).split(" ")
        source = stamp[0].rstrip("\n")
    quoted = "".join("--acknowledge '%s' " % a for a in o.ack)
    if source:
        cmd = "scripts/reproduce %s--kernel %s %s %s" % (quoted, source, base, tree_path(f))
    else:
        cmd = "scripts/reproduce %s%s %s" % (quoted, rtarget, tree_path(f))
    say("== %s: replaying %s through %s" % (release, f, os.path.basename(replay)))
    rc, log = run_logged([replay, "--verbose"] + acks(o) + [f], o.timeout, env)
    if rc == 0:
        die("%s finds nothing on %s: nothing to report" % (f, release))
    out = {}
    for what in ("summary", "decode"):
        with tempfile.TemporaryFile() as t:
            run([replay, "--" + what, f], o.timeout, env, stdout=t, stderr=subprocess.DEVNULL)
            t.seek(0)
            out[what] = t.read().decode("utf-8", "replace")
    facts = upstream.Facts(common.TOP, rtarget, f, release, tree, source, cmd,
                           finding_of(log, rc, o.timeout) + "\n", log,
                           out["summary"], out["decode"])
    try:
        text = upstream.text(facts)
        if o.report_out is None:
            sys.stdout.write(text)
        else:
            files.write_whole(o.report_out, text)
    except Exception:  # pylint: disable=broad-except
        traceback.print_exc()
        die("the report could not be written")
    if o.report_out is not None:
        say("== report written to %s" % o.report_out)
    return 0


def minimize(o, env):
    """--minimize: shrink a crashing FILE with libFuzzer into FILE.min."""
    target, f = o.args
    common.build_executables("libfuzzer", [target])
    exe = os.path.join(common.TOP, "build", "libfuzzer", "fuzz", target)
    small = f + ".min"
    print("== minimising %s with %s" % (f, exe), flush=True)
    with tempfile.TemporaryDirectory() as work:
        # libFuzzer writes each smaller crashing input as an artifact; the
        # last one written is the smallest
        with open(os.path.join(work, "minimize.log"), "wb") as log:
            rc = subprocess.run([exe, "-minimize_crash=1", "-runs=10000", "-timeout=10",
                                 "-rss_limit_mb=2048", "-artifact_prefix=%s/" % work,
                                 os.path.realpath(f)], cwd=work, stdout=log,
                                stderr=subprocess.STDOUT, env=env).returncode
        text = common.read(os.path.join(work, "minimize.log"))
        hits = re.findall(r"CRASH_MIN: failed to minimize beyond [^ \n]*|"
                          r"artifact_prefix.*Test unit written to [^ \n]*|"
                          r"Test unit written to [^ \n]*", text)
        last = hits[-1].rsplit(" ", 1)[-1] if hits else ""
        lines = text.splitlines(True)
        if last and os.path.isfile(last):
            shutil.copyfile(last, small)
        elif "CRASH_MIN: no crashes found" in text or "the input did not crash" in text:
            sys.stderr.write("".join(lines[-5:]))
            die("%s does not crash in the libFuzzer build: nothing to minimise" % f)
        else:
            sys.stderr.write("".join(lines[-20:]))
            die("minimisation failed (status %d)" % rc)
    print("== %d bytes -> %d bytes" % (os.path.getsize(f), os.path.getsize(small)))
    print("== decoded:", flush=True)
    subprocess.run([replayer_of(o, "default"), "--decode", small], env=env)
    print()
    print("minimised input: %s" % small)
    print("reproduce it:    scripts/reproduce %s %s" % (target, small))
    return 0


def without_repeats(log):
    """The replayer's output without the input's configuration and trace
    tail it prints again with its finding: the program above has them."""
    out, noted, skip = [], False, False
    lines = log.split("\n")
    for line in lines[:-1] if lines[-1] == "" else lines:
        if line.startswith(("---- vrsim: the input, decoded", "---- vrsim: trace tail")):
            if not noted:
                out.append("(its decoded input and trace tail: as in the program above)")
            noted = skip = True
            continue
        if line.startswith("---- reproduce: "):
            skip = False
            continue
        if skip and line.startswith(("----", "==", "SUMMARY", "vrsim: ")):
            skip = False
        if not skip:
            out.append(line)
    return "".join(line + "\n" for line in out)


def replay(o, env):
    """The plain replay: the program, then the run and what it found."""
    target, f = o.args
    exe = replayer_of(o)
    print("== %s: %s (%d bytes), decoded:" % (target, f, os.path.getsize(f)), flush=True)
    # the program only: the decoder's own lines go elsewhere (it runs the
    # program for its trace: an input that hangs is cut short)
    rc = run([exe, "--decode", f], o.timeout, env, stderr=subprocess.DEVNULL)
    if rc == 124:
        print("\n(the decoder ran out of time after %s s: the program does not end)" % o.timeout)
    elif rc:
        print("(the decoder stopped early: the run below says why)")
    print("== running it (%s: %s)" % ("given replayer" if o.replayer is not None
                                      else "%s build" % o.preset, exe), flush=True)
    rc, log = run_logged([exe, "--verbose"] + acks(o) + [f], o.timeout, env)
    sys.stdout.write(without_repeats(log))
    if rc == 0:
        print("== no finding: the input runs clean in the '%s' build %s" % (
            o.preset, "(a sanitizer finding needs --asan)" if o.preset == "default" else ""))
    elif rc == 124:
        print("== the input hangs: its replay outlasted %s s (a timeout finding; "
              "--timeout S to wait longer)" % o.timeout)
    else:
        print("== the input reproduces a finding (exit status %d)" % rc)
        e = catalogued(log, rc, target, exe)
        if e:
            print("   known kernel finding: %s (catalogue/%s/entry)" % (e.title, e.name))
        else:
            print("   once fixed, keep it as a regression: scripts/reproduce --add-regression "
                  "NAME %s %s" % (target, f))
    return rc


def main(argv):
    global USAGE_STATUS
    common.PROG = "reproduce"
    bisect = "--bisect" in argv[:argv.index("--") if "--" in argv else len(argv)]
    USAGE_STATUS = 128 if bisect else 2
    common.DIE_STATUS = 128 if bisect else 1
    o = parse(argv)
    check_combinations(o)
    only = replayer_build(o)
    builds = [only] if only else targets.configured_builds()
    if builds:
        # nothing is checked when no build is configured yet (below)
        check_target(o, builds, only)
    check_files(o)
    if o.add_name is not None:
        o.why = regressions.check(o.add_name, o.args[0], o.why, usage_error)
    if o.replayer is None:
        common.ensure_packages(*common.BUILD_PACKAGES)
        if not builds:
            # a tree configured for the first time: now the build lists them
            build = common.configure_preset(o.preset)
            check_target(o, [build], build)
    env = common.sanitizer_env()
    if o.kernels and not o.report:
        return across_kernels(o, env)
    if o.report:
        return report(o, env)
    if o.add_name is not None:
        return regressions.add(o.add_name, o.args[0], o.args[1], o.why, replayer_of(o),
                               o.timeout, env)
    if o.minimize:
        return minimize(o, env)
    return replay(o, env)


if __name__ == "__main__":
    sys.exit(common.main_wrapper(main, sys.argv[1:]))
