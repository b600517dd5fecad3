"""scripts/fuzz, the main job: a fuzzing campaign. Builds the fuzzers,
runs every target from the shipped corpora on all cores, merges the new
corpus, collects and deduplicates the crashes, prints a summary and writes
report.json and report.html. Never writes into corpora/: everything goes
to the out dir. Nightly mode (--workdir) keeps a work dir from run to run.

Run as: PYTHONPATH=scripts/lib python3 -m vrsim.fuzz [OPTION]...
"""

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import traceback

from . import catalogue
from . import common
from . import engines
from . import status as exit_rules
from . import targets as targets_mod
from . import triage
from . import workdir as wdir
from .common import TOP, die, usage_error
from .files import DiskFull, Refused, disk_full, write_whole

USAGE = """\
usage: scripts/fuzz [--duration SECONDS | --budget TIME] [--targets LIST]
                    [--engine ENGINE] [--jobs N] [--out DIR | --workdir DIR]
                    [--no-coverage] [--apply-fixes] [-h|--help]

Fuzzes each target for SECONDS (default 60) from corpora/TARGET/seeds and
corpora/TARGET/regressions, then prints per target the execs/s, coverage,
new corpus units and every unique finding with the command reproducing it.

  --duration SECONDS  fuzzing time per target and engine (default 60)
  --budget TIME       time for the whole run instead (e.g. 8h, 90m, 1h30m,
                      600s, 600): 85% of what the build leaves is spread over the
                      targets and engines, the rest is left for merging,
                      triage, minimising and coverage
  --targets LIST      comma-separated targets (default: all but fuzz_empty,
                      the Linux device side's only for the kernels built
                      with drivers/vhost/vringh.c; available:
                      {available})
  --engine ENGINE     libfuzzer (default), afl, or both (one after the
                      other, into one corpus)
  --jobs N            cores to use (default: all, {jobs}). libFuzzer runs one
                      target per core; AFL++ runs a main and a cmplog
                      secondary instance per target on two cores
  --out DIR           one campaign in DIR (default out/fuzz-<UTC timestamp>;
                      must be new or empty)
  --workdir DIR       nightly mode: DIR persists from run to run (create it
                      empty for the first night). Each run starts from the
                      shipped corpora plus DIR/corpus, merges what it found
                      back into DIR/corpus, remembers each unique finding in
                      DIR/findings (minimised), appends DIR/history.jsonl and
                      writes DIR/report.html and DIR/report.json
  --no-coverage       nightly mode: skip the source coverage of the corpus
  --apply-fixes       apply the candidate kernel fixes of catalogue/ (Fix:
                      lines) to the Linux targets, built apart in
                      build/PRESET-fixed, so they search past the known
                      causes instead of finding them again

Writes DIR/corpus/TARGET (merged corpus), DIR/crashes/TARGET (one input per
unique finding, with .txt fuzzer output and .decoded.txt), DIR/report.json,
DIR/report.html; DIR/work keeps every raw input, log and crash. In nightly
mode all of that is the night's DIR/nights/NIGHT.
Findings that match an entry of catalogue/ are printed as "known kernel
finding: TITLE (catalogue/NAME)", one line per root cause, apart from the
others.
Exit status: 0 nothing (new) found; 1 a finding not in the catalogue (and,
nightly, not seen on an earlier night); 3 only catalogued findings or
findings seen on an earlier night; 2 usage error or a work
dir that cannot be used (locked by another run, corrupt history, newer
format); 4 the run failed (build, full disk, a target ran no input);
130 interrupted with nothing new found. Ctrl-C stops the fuzzers and still
merges and reports."""

VALUED = ("--duration", "--budget", "--targets", "--engine", "--jobs", "--out", "--workdir")
ENGINES = ("libfuzzer", "afl", "both")
# Of the time a --budget leaves after the build, the fuzzers get this
# share; the rest is for merging, triage, minimising and coverage.
BUDGET_SHARE = 85
PROG_PATH = "scripts/fuzz"


def utc(fmt="%Y-%m-%dT%H:%M:%SZ"):
    return time.strftime(fmt, time.gmtime())


def parse_time(t):
    """The seconds of a TIME (8h, 90m, 1h30m, 45s, 600); None if malformed."""
    if not re.fullmatch(r"([0-9]+[hms]?)+", t or ""):
        return None
    return sum(int(n) * {"h": 3600, "m": 60}.get(u, 1)
               for n, u in re.findall(r"([0-9]+)([hms]?)", t))


def available(mode=None):
    """The targets the configured build lists (the usage's list)."""
    builds = targets_mod.configured_builds()
    if not builds:
        return "(none configured yet: the first run lists them)"
    return ",".join(targets_mod.default(builds[0], mode))


def usage():
    return USAGE.format(available=available(), jobs=common.jobs())


class Options:
    def __init__(self):
        self.duration = 60
        self.duration_set = False
        self.budget = ""
        self.budget_s = None
        self.targets = []
        self.targets_arg = ""
        self.engine = "libfuzzer"
        self.jobs = str(common.jobs())
        self.out = ""
        self.workdir = ""
        self.coverage = True
        self.apply_fixes = False


def parse_args(argv):
    """The options of ARGV (without the program name); usage_error (exit
    2) on a wrong one, common.Exit(0) after -h."""
    o = Options()
    duration = "60"
    args = list(argv)
    while args:
        a = args.pop(0)
        if a in ("-h", "--help"):
            print(usage())
            raise common.Exit(0)
        if a == "--no-coverage":
            o.coverage = False
            continue
        if a == "--apply-fixes":
            o.apply_fixes = True
            continue
        if a in VALUED:
            if not args:
                usage_error("%s needs a value" % a)
            name, value = a, args.pop(0)
        elif a.startswith("--") and a.split("=", 1)[0] in VALUED and "=" in a:
            name, value = a.split("=", 1)
        else:
            usage_error("unknown argument '%s'" % a)
        if name == "--duration":
            duration, o.duration_set = value, True
        else:
            setattr(o, {"--targets": "targets_arg"}.get(name, name[2:]), value)
    if not (duration.isdigit() and int(duration) >= 1):
        usage_error("--duration needs a positive number of seconds, not '%s'" % duration)
    o.duration = int(duration)
    if not (o.jobs.isdigit() and int(o.jobs) >= 1):
        usage_error("--jobs needs a positive number, not '%s'" % o.jobs)
    o.jobs = int(o.jobs)
    if o.engine not in ENGINES:
        usage_error("unknown engine '%s' (libfuzzer, afl or both)" % o.engine)
    if o.out and o.workdir:
        usage_error("--out and --workdir exclude each other")
    if o.budget and o.duration_set:
        usage_error("--duration and --budget exclude each other")
    if o.budget:
        o.budget_s = parse_time(o.budget)
        if not o.budget_s:
            usage_error("--budget needs a time such as 8h, 90m, 1h30m or 600, not '%s'"
                        % o.budget)
    if not o.workdir and not o.coverage:
        usage_error("--no-coverage is for --workdir (a plain campaign runs no coverage)")
    if o.targets_arg:
        o.targets = o.targets_arg.split(",")
        check_targets(o.targets)
    return o


def check_targets(names, build=None):
    """usage_error for the first name no configured build (or BUILD) lists."""
    for n in names:
        if not n:
            usage_error("unknown target '' (available: %s)" % available("all"))
    try:
        targets_mod.check_names(names, build)
    except targets_mod.Unknown as ex:
        msg = str(ex)
        if msg.startswith("unknown target"):
            msg += " (available: %s)" % available("all")
        usage_error(msg)


def budget_duration(budget_s, elapsed, ntargets, jobs, engine):
    """(seconds per target and engine, rounds) a --budget of BUDGET_S
    seconds leaves after ELAPSED: the rounds of targets the cores take
    (libFuzzer one target a core, AFL++ one a pair of cores)."""
    rounds = 0
    if engine != "afl":
        todo, n = engines.slots(["t"] * ntargets, jobs)
        rounds = (len(todo) + n - 1) // n
    if engine != "libfuzzer":
        p = max(1, jobs // 2)
        rounds += (ntargets + p - 1) // p
    left = budget_s - elapsed
    return left * BUDGET_SHARE // 100 // rounds, rounds, left


def space_note(where):
    """A sentence when WHERE's file system is (nearly) full, else ""."""
    try:
        st = os.statvfs(where)
    except OSError:
        return ""
    avail = st.f_bavail * st.f_frsize // 1024
    if avail < 10240:
        return (" The file system of %s has only %d KiB free: the disk is full. Nothing on "
                "it was lost: free some space and run again." % (where, avail))
    return ""


def git_describe(top=TOP):
    try:
        p = subprocess.run(["git", "-C", top, "describe", "--always", "--dirty"],
                           capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return p.stdout.strip() or None if p.returncode == 0 else None


class Campaign:
    """One run of scripts/fuzz: its options, builds, out dir and state."""

    def __init__(self, opts):
        self.o = opts
        self.t0 = int(time.time())
        self.fixed = ""
        self.fix_defs = []
        self.builds = {}
        self.targets = []
        self.wd = None
        self.lock_fd = None
        self.out = None
        self.night = None
        self.run = None
        self.watchdog = None
        self.started = None
        self.commit = None
        self.kernels = {}

    # ------------------------------------------------------------ setup

    def open_workdir(self):
        wd = self.o.workdir
        if not os.path.isdir(wd):
            usage_error("no work directory %s: create it with 'mkdir -p %s' (an empty "
                        "directory starts a new history)" % (wd, wd))
        self.wd = os.path.abspath(wd)
        try:
            wdir.check(self.wd, TOP)
        except Refused as e:
            print("%s: %s" % (PROG_PATH, e), file=sys.stderr)
            raise common.Exit(exit_rules.USAGE)
        self.lock_fd = engines.lock_workdir(self.wd)
        if self.lock_fd is None:
            print("%s: %s is in use by another run (%s): wait for it to finish or use another "
                  "--workdir" % (PROG_PATH, self.wd, engines.lock_holder(self.wd)),
                  file=sys.stderr)
            raise common.Exit(exit_rules.USAGE)

    def open_out(self):
        out = self.o.out or os.path.join(TOP, "out", "fuzz-" + utc("%Y%m%dT%H%M%SZ"))
        if os.path.exists(out) and (not os.path.isdir(out) or os.listdir(out)):
            usage_error("out dir '%s' exists and is not empty" % out)
        os.makedirs(out, exist_ok=True)
        self.out = os.path.abspath(out)

    def fixes(self):
        """--apply-fixes: the same builds with the catalogue's candidate
        fixes, in build dirs of their own."""
        if not self.o.apply_fixes:
            return
        try:
            fixes = catalogue.fixes(TOP)
        except catalogue.Malformed as e:
            die("the catalogue's fixes cannot be read (%s)" % e)
        if not fixes:
            die("--apply-fixes: no entry of catalogue/ has a Fix: line")
        self.fixed = "-fixed"
        self.fix_defs = ["-DVRSIM_LINUX_PATCHES=%s" % ";".join(fixes)]
        print("== applying the catalogue's fixes: %s"
              % " ".join(re.sub(r".*/catalogue/", "", f) for f in fixes))

    def build(self):
        common.ensure_packages(*(common.BUILD_PACKAGES + common.FUZZ_PACKAGES + ["python3"]))
        os.environ.update(common.sanitizer_env())
        self.fixes()
        b = lambda p: os.path.join(TOP, "build", p + self.fixed)
        self.builds = {"libfuzzer": b("libfuzzer"), "default": b("default"),
                       "afl": b("afl"), "afl-cmplog": b("afl-cmplog")}
        os.environ["VRSIM_BUILD_LIBFUZZER"] = self.builds["libfuzzer"]
        os.environ["VRSIM_BUILD_DEFAULT"] = self.builds["default"]
        # The configured build says which targets there are (the kernels
        # with a device side among them).
        common.configure_preset("libfuzzer", self.builds["libfuzzer"], self.fix_defs)
        if self.o.targets:
            check_targets(self.o.targets, self.builds["libfuzzer"])
            self.targets = list(self.o.targets)
        else:
            self.targets = targets_mod.default(self.builds["libfuzzer"])
        if not self.targets:
            usage_error("no targets")
        print("== building (%s)" % " ".join(self.targets), flush=True)
        replays = ["replay_" + t for t in self.targets]
        afls = ["afl_" + t for t in self.targets]
        common.build_executables("libfuzzer", self.targets, self.builds["libfuzzer"],
                                 configure=False)
        common.build_executables("default", replays, self.builds["default"], self.fix_defs)
        if self.o.engine != "libfuzzer":
            common.build_executables("afl", afls, self.builds["afl"], self.fix_defs)
            common.build_executables("afl", afls, self.builds["afl-cmplog"], self.fix_defs,
                                     env={"AFL_LLVM_CMPLOG": "1"})
        # the night's coverage build, now, so the budget counts it
        if self.wd and self.o.coverage:
            common.build_executables("coverage", replays)
        if self.o.budget_s:
            self.o.duration, rounds, left = budget_duration(
                self.o.budget_s, int(time.time()) - self.t0, len(self.targets), self.o.jobs,
                self.o.engine)
            if self.o.duration < 1:
                die("the budget of %d s leaves no fuzzing time for %d target(s) in %d round(s) "
                    "after the build" % (self.o.budget_s, len(self.targets), rounds))
            # the minimisation of new findings shares what is left at the end
            os.environ["VRSIM_DEADLINE"] = str(self.t0 + self.o.budget_s)
            print("== budget: %d s in all, %d s left after the build: %d s per target and "
                  "engine (%d round(s))" % (self.o.budget_s, left, self.o.duration, rounds))

    # ------------------------------------------------------------ nights

    def finish_killed_night(self, n):
        """A night a killed run left: every input its fuzzers wrote goes
        into the corpus, its crashes are triaged and remembered, its record
        is written. (new, known) of it; Exit(4) when that fails."""
        nd = os.path.join(self.wd, "nights", n)
        print("== night %s was cut short (killed run): keeping what it wrote" % n, flush=True)
        wdir.salvage(self.wd, n)
        meta = os.path.join(nd, "meta.json")
        if not (os.path.isfile(meta) and os.path.getsize(meta)) or \
                not os.path.isdir(os.path.join(nd, "work")):
            print("   %s: it had not started fuzzing; nothing else to keep" % n)
            write_whole(os.path.join(nd, ".finished"), "0\n")
            return 0, 0
        log = os.path.join(nd, "finish.log")
        with open(log, "w") as f, contextlib.redirect_stdout(f), contextlib.redirect_stderr(f):
            rc = triage.finish_or_fail(nd, nightly=True)
        if rc is None:
            sys.stderr.write(common.read(log))
            raise common.Exit(exit_rules.FAILED)
        night = self.record(n, recovered=True)
        if night is None:
            raise common.Exit(exit_rules.FAILED)
        return night.new, night.known

    def record(self, n, recovered=False):
        """workdir.record, its failure said in one line: None then."""
        try:
            return wdir.record(self.wd, n, TOP, recovered)
        except (Refused, DiskFull) as e:
            print("%s: %s%s" % (PROG_PATH, e, " (disk full?): nothing was lost; free some space "
                                "and run again, the next run resumes from what is on disk"
                                if isinstance(e, DiskFull) else ""), file=sys.stderr)
        except OSError as e:
            print("%s: %s: %s%s" % (PROG_PATH, e.filename or "work directory", e.strerror,
                                    " (disk full?): nothing was lost; free some space and "
                                    "run again" if disk_full(e) else ""), file=sys.stderr)
        return None

    def start_night(self):
        """Finish the nights killed runs left, then make tonight's dir;
        (new, known) findings of those killed nights."""
        new = known = 0
        for n in wdir.pending(self.wd):
            a, b = self.finish_killed_night(n)
            new, known = new + a, known + b
        night = utc("%Y%m%dT%H%M%SZ")
        while os.path.exists(os.path.join(self.wd, "nights", night)):
            time.sleep(1)
            night = utc("%Y%m%dT%H%M%SZ")
        self.night = night
        self.out = os.path.join(self.wd, "nights", night)
        os.makedirs(self.out)
        # The night's corpus is the work dir's: merged into, never replaced.
        os.symlink("../../corpus", os.path.join(self.out, "corpus"))
        inputs = sum(1 for _, _, fs in os.walk(os.path.join(self.wd, "corpus"))
                     for f in fs if not f.startswith("."))
        print("== night %s in %s (%d inputs in its corpus)" % (night, self.wd, inputs), flush=True)
        return new, known

    # ------------------------------------------------------------ run

    def write_meta(self, phase):
        meta = {"started": self.started, "duration": self.o.duration, "engine": self.o.engine,
                "jobs": self.o.jobs, "interrupted": self.run.interrupted, "top": TOP,
                "budget": self.o.budget_s, "ended": utc() if phase == "end" else None,
                "targets": self.targets,
                "builds": {"libfuzzer": self.builds["libfuzzer"],
                           "default": self.builds["default"]},
                "fixes_applied": bool(self.fixed), "commit": self.commit,
                "kernels": self.kernels}
        write_whole(os.path.join(self.out, "meta.json"), json.dumps(meta, indent=1))

    def on_signal(self, signum, frame):
        if not self.run.interrupted:
            print(file=sys.stderr)
            print("%s: interrupted: stopping the fuzzers, then merging and reporting" % PROG_PATH,
                  file=sys.stderr, flush=True)
        self.run.stop()

    def fuzz(self):
        """Run the engines, then merge: a signal stops the fuzzers (and
        cuts a merge short), the rest goes on."""
        # Known findings a fuzzer meets at every turn are stepped over, so
        # the run reaches past them (catalogue Step-over: lines).
        common.step_overs_env(os.environ)
        self.run = engines.Run(self.out, self.targets, self.o.duration, self.o.jobs,
                               self.builds, self.wd, self.lock_fd)
        self.started = utc()
        self.commit = git_describe()
        self.kernels = catalogue.build_kernels(self.builds["default"])
        self.watchdog = engines.start_watchdog(self.out, self.lock_fd)
        signal.signal(signal.SIGINT, self.on_signal)
        signal.signal(signal.SIGTERM, self.on_signal)
        # written first, so a killed run's night can still be triaged
        self.write_meta("start")
        try:
            if self.o.engine in ("libfuzzer", "both"):
                engines.run_libfuzzer(self.run)
            if self.o.engine == "afl" or (self.o.engine == "both" and not self.run.stopped()):
                engines.run_afl(self.run)
        except engines.CopyFailed as e:
            die("cannot copy the inputs of %s: %s.%s" % (e.src, e.strerror, space_note(self.out)))
        engines.merge(self.run)
        self.write_meta("end")

    def coverage(self):
        print("== source coverage of the corpus (--no-coverage skips it)", flush=True)
        cov = os.path.join(self.out, "coverage")
        with open(os.path.join(self.out, "coverage.log"), "w") as log:
            rc = subprocess.run([os.path.join(TOP, "scripts", "coverage"), "--targets",
                                 ",".join(self.targets), "--out", cov, self.out],
                                stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL).returncode
        summary = os.path.join(cov, "summary.json")
        if rc == 0 or (os.path.isfile(summary) and os.path.getsize(summary)):
            for line in common.read(os.path.join(cov, "summary.txt")).splitlines():
                if re.match(r"(dma|ring|sim|total)", line):
                    print("   " + line)
            if rc:
                print("   note: an input of the corpus raised a finding under the coverage "
                      "build (see %s/coverage.log)" % self.out)
        else:
            print("   coverage failed (status %d, see %s/coverage.log); the night goes on "
                  "without it" % (rc, self.out), file=sys.stderr)

    def nightly_end(self, earlier_new, earlier_known):
        if self.o.coverage and not self.run.interrupted:
            self.coverage()
        if triage.finish_or_fail(self.out, nightly=True) is None:
            return exit_rules.FAILED
        sys.stdout.flush()
        recorded = self.record(self.night)
        engines.remove(self.run.stop_file)
        sys.stdout.flush()
        rc = subprocess.run([sys.executable, os.path.join(TOP, "scripts", "lib",
                                                          "nightly_report.py"), self.wd],
                            stdin=subprocess.DEVNULL).returncode
        night = recorded or wdir.Night(exit_rules.FAILED, 0, 0, [], self.run.interrupted)
        # a killed night's findings count as tonight's; a report that could
        # not be written, or a night not recorded, is a failed run
        status = exit_rules.exit_status(
            new=night.new + earlier_new, known=night.known + earlier_known,
            failed=night.failed, interrupted=night.interrupted,
            broken=recorded is None or rc != 0)
        print(exit_rules.result_line(status))
        return status

    def main(self):
        earlier = (0, 0)
        if self.o.workdir:
            self.open_workdir()
        else:
            self.open_out()
        self.build()
        if self.wd:
            earlier = self.start_night()
        self.fuzz()
        if not self.wd:
            status = triage.finish_or_fail(self.out)
            engines.remove(self.run.stop_file)
            return exit_rules.FAILED if status is None else status
        return self.nightly_end(*earlier)

    def close(self):
        engines.stop_watchdog(self.watchdog)
        self.watchdog = None


def interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv):
    common.PROG = "fuzz"
    try:
        sys.stdout.reconfigure(line_buffering=True)
    except AttributeError:
        pass
    try:
        opts = parse_args(argv[1:])
    except common.Exit as ex:
        return ex.status
    # Every failure from here on says so and exits 4, not 1 ("found
    # something"); a full disk is named as such.
    common.DIE_STATUS = exit_rules.FAILED
    # Until the fuzzers run, SIGTERM is a Ctrl-C: nothing to merge yet.
    signal.signal(signal.SIGTERM, interrupt)
    c = Campaign(opts)
    where = lambda: c.wd or c.out or TOP
    try:
        return c.main()
    except common.Exit as ex:
        return ex.status
    except KeyboardInterrupt:
        print("%s: interrupted before the fuzzers ran: nothing to report" % PROG_PATH,
              file=sys.stderr)
        return exit_rules.INTERRUPTED
    except DiskFull as e:
        print("%s: %s (disk full?): nothing was lost; free some space and run again, the next "
              "run resumes from what is on disk" % (PROG_PATH, e), file=sys.stderr)
    except OSError as e:
        print("%s: stopped: %s: %s.%s" % (PROG_PATH, e.filename or "a file", e.strerror,
                                          space_note(where())), file=sys.stderr)
    except Exception:  # noqa: BLE001 -- a failed run, never "a finding"
        note = space_note(where())
        if not note:
            traceback.print_exc()
        print("%s: stopped by a failing command (status 4).%s" % (PROG_PATH, note),
              file=sys.stderr)
    finally:
        c.close()
    return exit_rules.FAILED


if __name__ == "__main__":
    sys.exit(main(sys.argv))
