"""Running and supervising the fuzzing engines of a campaign: libFuzzer
(one target a core, restarted after a crash, fork mode after three),
AFL++ (a main and a cmplog instance a target), the sampler of coverage
over time, the merge of the corpora, the lock of a work dir and the
watchdog that stops the fuzzers when the campaign is killed (kill -9).

Every fuzzer's pid lives in a file beside its work (OUT/work/ENGINE/
TARGET/pid.*), so a signal handler, or the watchdog of a killed run,
stops each one by its id. Standard library only.

    python3 -m vrsim.engines watchdog PID    (OUT in VRSIM_WATCHDOG_OUT)
"""

import fcntl
import glob
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

from . import common
from . import targets as targets_mod
from .common import read
from .files import copy_whole

# After this many runs of a target stopped by a finding, libFuzzer fuzzes
# the time left in fork mode, which goes on past crashes: a shallow bug
# cannot eat the target's time.
RESTARTS = 3
FORK_MODE = ["-fork=1", "-ignore_crashes=1", "-ignore_timeouts=1", "-ignore_ooms=1"]
SAMPLE_SECONDS = 2
LOCK_WAIT = 15
# AFL++ starts from the afl-cmin reduction of a corpus bigger than this.
AFL_CMIN_ABOVE = 500

UNIT_RE = re.compile(r"Test unit written to (\S+)")
STOP_MSG_RE = re.compile(r"vrsim: finding.*|ERROR: [A-Za-z]*: [A-Za-z-]*")
COV_RE = re.compile(r"cov: (\d+)")


def now():
    return int(time.time())


def wait_status(rc):
    """A child's status as a shell says it: 128+N when signal N ended it."""
    return 128 - rc if rc < 0 else rc


def touch(path):
    with open(path, "a"):
        pass


def append(path, line):
    with open(path, "a") as f:
        f.write(line)


def remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def cpus():
    """The cores this process may run on, in order."""
    try:
        return sorted(os.sched_getaffinity(0)) or [0]
    except (AttributeError, OSError):
        return [0]


def input_files(d):
    """The input files directly in D (no dot files), sorted."""
    try:
        names = sorted(os.listdir(d))
    except OSError:
        return []
    return [os.path.join(d, n) for n in names
            if not n.startswith(".") and os.path.isfile(os.path.join(d, n))]


def copy_new(src_dir, dst_dir):
    """Copy every input of SRC_DIR into DST_DIR, keeping those there."""
    for src in input_files(src_dir):
        dst = os.path.join(dst_dir, os.path.basename(src))
        if not os.path.exists(dst):
            shutil.copyfile(src, dst)


def sha1(path):
    with open(path, "rb") as f:
        return hashlib.sha1(f.read()).hexdigest()


# ---------------------------------------------------------------- the run


class Run:
    """One campaign's engines: where they write, with what, for how long.

    OUT: the campaign's out dir; TARGETS: names; DURATION: seconds per
    target and engine; JOBS: cores; BUILDS: {"libfuzzer", "afl",
    "afl-cmplog"}: build dirs; WORKDIR: the nightly work dir (its corpus
    seeds the run) or None; LOCK_FD: the work dir lock, held by every
    fuzzer too so that it outlives this process until they end."""

    def __init__(self, out, targets, duration, jobs, builds, workdir=None, lock_fd=None,
                 top=common.TOP, cores=None, log=None):
        self.out = out
        self.targets = list(targets)
        self.duration = duration
        self.jobs = jobs
        self.builds = builds
        self.workdir = workdir
        self.pass_fds = (lock_fd,) if lock_fd is not None else ()
        self.top = top
        self.cores = cores or cpus()
        self.interrupted = False
        self.stop_file = os.path.join(out, ".stop")
        self.sampler_stop = threading.Event()
        self._log = log or (lambda msg, err=False: print(msg, file=sys.stderr if err else sys.stdout,
                                                         flush=True))

    def say(self, msg):
        self._log(msg)

    def warn(self, msg):
        self._log(msg, True)

    def stopped(self):
        return os.path.exists(self.stop_file)

    def stop(self):
        """Stop every fuzzer (and the merge): the signal handler's work."""
        self.interrupted = True
        touch(self.stop_file)
        stop_fuzzers(self.out)

    def exe(self, build, name):
        return os.path.join(self.builds[build], "fuzz", name)

    def start(self, cmd, log, pidfile, env=None):
        """Start CMD, its output into LOG, its pid into PIDFILE."""
        with open(log, "wb") as f:
            p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, pass_fds=self.pass_fds, env=env)
        with open(pidfile, "w") as f:
            f.write("%d\n" % p.pid)
        return p

    def finish(self, p, pidfile):
        rc = p.wait()
        remove(pidfile)
        return wait_status(rc)

    def run_one(self, cmd, log, pidfile, env=None, stoppable=True):
        """Run CMD to its end; its status (128+N for signal N). A stop that
        came before its pid was on disk stops it too."""
        p = self.start(cmd, log, pidfile, env)
        if stoppable and self.stopped():
            p.terminate()
        return self.finish(p, pidfile)

    # ------------------------------------------------------------ inputs

    def seed_dir(self, target, dest):
        """Copy the shipped seeds and regression inputs of TARGET into DEST,
        and in nightly mode the work dir's corpus."""
        os.makedirs(dest, exist_ok=True)
        c = targets_mod.corpus_name(target)
        srcs = [os.path.join(self.top, "corpora", c, "seeds"),
                os.path.join(self.top, "corpora", c, "regressions")]
        if self.workdir:
            srcs.append(os.path.join(self.workdir, "corpus", target))
        for src in srcs:
            if os.path.isdir(src):
                try:
                    copy_new(src, dest)
                except OSError as e:
                    raise CopyFailed(src, e) from e

    def dict_args(self, target, prefix):
        """The dictionary option(s) of TARGET: ["-dict=D"], ["-x", D] or []."""
        c = targets_mod.corpus_name(target)
        d = os.path.join(self.top, "corpora", c, c + ".dict")
        if not os.path.isfile(d):
            return []
        return [prefix, d] if prefix == "-x" else [prefix + d]


class CopyFailed(OSError):
    """The inputs of a directory could not be copied (a full disk)."""

    def __init__(self, src, ex):
        super().__init__(ex.errno, ex.strerror, ex.filename)
        self.src = src


def stop_fuzzers(out):
    """SIGTERM to every process whose pid file is under OUT/work."""
    for f in glob.glob(os.path.join(out, "work", "*", "*", "pid.*")):
        try:
            pid = int(read(f).strip() or 0)
        except ValueError:
            continue
        if pid > 0:
            try:
                os.kill(pid, signal.SIGTERM)
            except OSError:
                pass


# ---------------------------------------------------------------- libFuzzer


def libfuzzer_cmd(run, target, core, left, mode, d):
    return (["taskset", "-c", str(core), run.exe("libfuzzer", target),
             "-max_total_time=%d" % left] + common.LIBFUZZER_LIMITS + ["-print_final_stats=1"]
            + common.LIBFUZZER_SCHEDULE + run.dict_args(target, "-dict=") + mode
            + ["-artifact_prefix=%s/" % os.path.join(d, "artifacts"), os.path.join(d, "queue")])


def quarantine(d, art):
    """A crashing input that sits in the queue would stop every restart
    at load: move it aside (the artifact keeps it too)."""
    h = sha1(art)
    for f in input_files(os.path.join(d, "queue")):
        try:
            if sha1(f) == h:
                os.replace(f, os.path.join(d, "quarantine", os.path.basename(f)))
        except OSError:
            pass


def libfuzzer_target(run, target, core):
    """One libFuzzer target on one core for the whole duration. A crash,
    timeout or OOM ends a libFuzzer run: start it again with the time
    left, keeping the corpus; after RESTARTS such stops, fork mode."""
    d = os.path.join(run.out, "work", "libfuzzer", target)
    t0 = now()
    # the coverage plot's time 0: when the target's first instance starts
    if not os.path.isfile(os.path.join(d, "t0")):
        append(os.path.join(d, "t0"), "%d\n" % t0)
    left, n, mode = run.duration, 0, []
    active = os.path.join(d, "active.%s" % core)
    while left > 0 and not run.stopped():
        n += 1
        if n > RESTARTS:
            mode = FORK_MODE
        log = os.path.join(d, "logs", "run-%s-%d.log" % (core, n))
        with open(active, "w") as f:
            f.write(log + "\n")
        s = now()
        rc = run.run_one(libfuzzer_cmd(run, target, core, left, mode, d), log,
                         os.path.join(d, "pid.%s.%d" % (core, n)))
        e = now()
        append(os.path.join(d, "runs.tsv"), "%d %d %d %d %s\n" % (n, s, e, rc, core))
        if rc == 0 or mode:
            break
        text = read(log)
        # Ctrl-C reaches libFuzzer directly: stop, do not restart.
        if "libFuzzer: run interrupted" in text:
            touch(run.stop_file)
            break
        arts = UNIT_RE.findall(text)
        if arts and os.path.isfile(arts[-1]):
            quarantine(d, arts[-1])
            # Say so once per kind of message, not once per restart.
            m = STOP_MSG_RE.search(text)
            msg = m.group(0) if m else "run ended with status %d" % rc
            kind = re.sub(r"[0-9]", "", msg)
            seen = os.path.join(d, "seen")
            if kind not in read(seen).splitlines():
                append(seen, kind + "\n")
                run.warn("   %s: %s (fuzzing goes on)" % (target, msg))
        left = run.duration - (e - t0)
    remove(active)
    run.say("   %s done (libFuzzer on core %s, %d run(s)%s)"
            % (target, core, n, ", the last in fork mode" if mode else ""))


def slots(targets, jobs):
    """The (slot list, workers) of a libFuzzer round: each target once, or
    several times when there are more cores than targets (instances of a
    target share its corpus dir, libFuzzer reloads it)."""
    k = max(1, jobs // len(targets))
    s = list(targets) * k
    return s, min(jobs, len(s))


def run_libfuzzer(run):
    todo, n = slots(run.targets, run.jobs)
    k = len(todo) // len(run.targets)
    run.say("== libFuzzer: %d target(s) x %d s on %d core(s)%s"
            % (len(run.targets), run.duration, n,
               ", %d instances per target" % k if k > 1 else ""))
    # Each target's dirs and queue, once, before instances share them.
    for t in run.targets:
        d = os.path.join(run.out, "work", "libfuzzer", t)
        for sub in ("queue", "artifacts", "logs", "quarantine"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        run.seed_dir(t, os.path.join(d, "seeds"))
        copy_new(os.path.join(d, "seeds"), os.path.join(d, "queue"))

    def worker(core, first):
        for i in range(first, len(todo), n):
            if run.stopped():
                break
            try:
                libfuzzer_target(run, todo[i], core)
            except OSError as e:
                # a failing command must not end a worker halfway
                run.warn("   %s: %s: %s" % (todo[i], e.filename or "libFuzzer", e.strerror))

    supervise(run, [(worker, (run.cores[i % len(run.cores)], i)) for i in range(n)])


# ---------------------------------------------------------------- AFL++


def afl_env():
    """The AFL build has no sanitizers; afl-fuzz refuses their options."""
    env = {k: v for k, v in os.environ.items() if k not in ("ASAN_OPTIONS", "UBSAN_OPTIONS")}
    env.update(AFL_NO_UI="1", AFL_NO_AFFINITY="1", AFL_SKIP_CPUFREQ="1",
               AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES="1", AFL_FAST_CAL="1")
    return env


def afl_cmds(run, target, c1, c2, inp, d):
    """The afl-fuzz command lines of TARGET: the main instance, and with a
    second core a cmplog secondary, sharing one sync dir."""
    common_args = (["-i", inp, "-o", os.path.join(d, "sync"), "-t", "500",
                    "-V", str(run.duration)] + run.dict_args(target, "-x"))
    exe = run.exe("afl", "afl_" + target)
    cmds = [("main", ["taskset", "-c", str(c1), "afl-fuzz", "-M", "main"] + common_args
             + ["--", exe])]
    if c2 is not None:
        cmds.append(("cmplog", ["taskset", "-c", str(c2), "afl-fuzz", "-S", "cmplog", "-c",
                                run.exe("afl-cmplog", "afl_" + target)] + common_args
                     + ["--", exe]))
    return cmds


def afl_target(run, target, c1, c2):
    d = os.path.join(run.out, "work", "afl", target)
    os.makedirs(os.path.join(d, "logs"), exist_ok=True)
    os.makedirs(os.path.join(d, "sync"), exist_ok=True)
    inp = os.path.join(d, "in")
    run.seed_dir(target, inp)
    # --engine both: tonight's libFuzzer corpus feeds AFL++ too
    lfq = os.path.join(run.out, "work", "libfuzzer", target, "queue")
    if os.path.isdir(lfq):
        copy_new(lfq, inp)
    if not os.listdir(inp):
        with open(os.path.join(inp, "empty-seed"), "wb") as f:
            f.write(b"\x01")
    append(os.path.join(d, "t0"), "%d\n" % now())
    touch(os.path.join(d, "active"))
    env = afl_env()
    # A big corpus (a work dir's after many nights): AFL++ starts from its
    # afl-cmin reduction, which keeps every edge AFL++ sees in it (the
    # merge at the end still takes every queue, whole).
    start_in = inp
    if len(input_files(inp)) > AFL_CMIN_ABOVE and shutil.which("afl-cmin"):
        cmin = os.path.join(d, "in.cmin")
        rc = run.run_one(["taskset", "-c", str(c1), "afl-cmin", "-i", inp, "-o", cmin,
                          "-t", "2000", "--", run.exe("afl", "afl_" + target)],
                         os.path.join(d, "logs", "cmin.log"), os.path.join(d, "pid.cmin"),
                         env=dict(env, AFL_ALLOW_TMP="1"))
        if rc == 0 and os.path.isdir(cmin) and os.listdir(cmin):
            start_in = cmin
            run.say("   %s: AFL++ starts from %d of the %d inputs (afl-cmin)"
                    % (target, len(os.listdir(cmin)), len(os.listdir(inp))))
    procs = []
    for name, cmd in afl_cmds(run, target, c1, c2, start_in, d):
        pidfile = os.path.join(d, "pid." + name)
        procs.append((run.start(cmd, os.path.join(d, "logs", name + ".log"), pidfile, env),
                      pidfile))
    for p, pidfile in procs:
        rc = run.finish(p, pidfile)
        if rc:
            run.warn("   %s: afl-fuzz (pid %d) exited with status %d (see %s/logs)"
                     % (target, p.pid, rc, d))
    remove(os.path.join(d, "active"))
    saved = 0
    for stats in glob.glob(os.path.join(d, "sync", "*", "fuzzer_stats")):
        for line in read(stats).splitlines():
            k, _, v = line.partition(":")
            if k.strip() == "saved_crashes" and v.strip().isdigit():
                saved += int(v)
    run.say("   %s done (AFL++, %d instance(s): %d crash(es) saved)" % (target, len(procs), saved))


def afl_pairs(run):
    """[(main core, cmplog core or None)] of the AFL++ workers."""
    pairs = min(max(1, run.jobs // 2), len(run.targets))
    cs = run.cores
    return [(cs[(2 * i) % len(cs)], cs[(2 * i + 1) % len(cs)] if run.jobs >= 2 else None)
            for i in range(pairs)]


def run_afl(run):
    pairs = afl_pairs(run)
    run.say("== AFL++: %d target(s) x %d s, %d at a time (%s)"
            % (len(run.targets), run.duration, len(pairs),
               "main + cmplog secondary" if run.jobs >= 2 else "main only"))

    def worker(c1, c2, first):
        for i in range(first, len(run.targets), len(pairs)):
            if run.stopped():
                break
            try:
                afl_target(run, run.targets[i], c1, c2)
            except OSError as e:
                run.warn("   %s: %s: %s" % (run.targets[i], e.filename or "afl-fuzz", e.strerror))

    supervise(run, [(worker, (c1, c2, i)) for i, (c1, c2) in enumerate(pairs)])


# ---------------------------------------------------------------- supervising


def supervise(run, workers):
    """Run the workers (function, args), each a thread, with the sampler;
    return when all ended. The main thread only waits, so the signal
    handler (which runs there) stops the fuzzers at once."""
    run.sampler_stop.clear()
    sampler = threading.Thread(target=sample, args=(run,), daemon=True)
    sampler.start()
    threads = [threading.Thread(target=fn, args=args, daemon=True) for fn, args in workers]
    for t in threads:
        t.start()
    for t in threads:
        while t.is_alive():
            t.join(0.5)
    run.sampler_stop.set()
    sampler.join()


def last_cov(log):
    """The last coverage (cov: N) a libFuzzer log tells, fork mode's too;
    0 when none yet."""
    try:
        with open(log, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 65536))
            tail = f.read().decode("utf-8", "replace")
    except OSError:
        return 0
    for line in reversed(tail.splitlines()):
        if line.startswith("#"):
            m = COV_RE.search(line)
            if m:
                return int(m.group(1))
    return 0


def sample_once(out):
    """One sample of coverage over time: for each running libFuzzer target
    the best of its instances' current logs, for AFL++ edges_found of its
    main instance, as "seconds-since-start coverage" in its cov.tsv."""
    t = now()
    for d in sorted(glob.glob(os.path.join(out, "work", "libfuzzer", "*", ""))):
        c = 0
        for a in glob.glob(os.path.join(d, "active.*")):
            log = read(a).strip()
            if log:
                c = max(c, last_cov(log))
        t0 = read(os.path.join(d, "t0")).strip()
        if c > 0 and t0.isdigit():
            append(os.path.join(d, "cov.tsv"), "%d %d\n" % (t - int(t0), c))
    for d in sorted(glob.glob(os.path.join(out, "work", "afl", "*", ""))):
        stats = os.path.join(d, "sync", "main", "fuzzer_stats")
        t0 = read(os.path.join(d, "t0")).strip().splitlines()
        if not (os.path.isfile(os.path.join(d, "active")) and os.path.isfile(stats) and t0):
            continue
        for line in read(stats).splitlines():
            k, _, v = line.partition(":")
            if k.strip() == "edges_found" and v.strip().isdigit() and t0[-1].isdigit():
                append(os.path.join(d, "cov.tsv"), "%d %s\n" % (t - int(t0[-1]), v.strip()))


def sample(run):
    while not run.sampler_stop.wait(SAMPLE_SECONDS):
        try:
            sample_once(run.out)
        except OSError:
            pass


# ---------------------------------------------------------------- merge


def merge_sources(out, target):
    srcs = [os.path.join(out, "work", "libfuzzer", target, "queue"),
            os.path.join(out, "work", "afl", target, "in")]
    srcs += sorted(glob.glob(os.path.join(out, "work", "afl", target, "sync", "*", "queue")))
    return [s for s in srcs if os.path.isdir(s)]


def merge(run):
    """Merge every target's queues into OUT/corpus/TARGET (libFuzzer
    -merge=1); where the merge fails, copy them whole, named by content:
    everything rather than nothing."""
    run.say("== merging corpora")
    for t in run.targets:
        dst = os.path.join(run.out, "corpus", t)
        os.makedirs(dst, exist_ok=True)
        srcs = merge_sources(run.out, t)
        if not srcs:
            continue
        mdir = os.path.join(run.out, "work", "merge", t)
        os.makedirs(mdir, exist_ok=True)
        log = os.path.join(run.out, "work", "merge", t + ".log")
        rc = run.run_one([run.exe("libfuzzer", t), "-merge=1"] + common.LIBFUZZER_LIMITS
                         + ["-artifact_prefix=%s/" % mdir, dst] + srcs,
                         log, os.path.join(mdir, "pid.merge"), stoppable=False)
        if rc != 0 or not os.listdir(dst):
            run.warn("   %s: merge failed (status %d, %s): copying the whole corpus"
                     % (t, rc, log))
            for s in srcs:
                for f in input_files(s):
                    into = os.path.join(dst, sha1(f))
                    if not os.path.exists(into):
                        copy_whole(f, into)
        n = sum(len(files) for _, _, files in os.walk(dst))
        run.say("   %s: %d inputs in %s" % (t, n, dst))


# ---------------------------------------------------------------- lock and watchdog


def lock_workdir(wd, wait=LOCK_WAIT):
    """The work dir's lock: an open file (WD/.lock) held by this process
    and every fuzzer, dropped by the kernel when the last of them ends,
    so a kill -9 cannot leave it stale. The fd, or None when another run
    holds it for WAIT seconds (WD/.lock.info says who)."""
    fd = os.open(os.path.join(wd, ".lock"), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                return None
            time.sleep(0.2)
    with open(os.path.join(wd, ".lock.info"), "w") as f:
        f.write("pid %d since %s on %s\n" % (os.getpid(), time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                        time.gmtime()),
                                             socket.gethostname()))
    return fd


def lock_holder(wd):
    return read(os.path.join(wd, ".lock.info")).strip() or "pid unknown"


def start_watchdog(out, lock_fd=None):
    """A process that outlives a kill -9 of this one and then stops its
    fuzzers (and, holding the work dir lock, keeps it until they end). In
    a session of its own: the Ctrl-C meant for the campaign is not its."""
    env = dict(os.environ, VRSIM_WATCHDOG_OUT=out,
               PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return subprocess.Popen([sys.executable, "-m", "vrsim.engines", "watchdog", str(os.getpid())],
                            stdin=subprocess.DEVNULL, env=env, start_new_session=True,
                            pass_fds=(lock_fd,) if lock_fd is not None else ())


def stop_watchdog(p):
    if p and p.poll() is None:
        p.terminate()
        p.wait()


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def watchdog(main_pid, out, poll=1.0, grace=3.0):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    while alive(main_pid) and os.getppid() == main_pid:
        time.sleep(poll)
    touch(os.path.join(out, ".stop"))
    touch(os.path.join(out, ".sampler-stop"))
    stop_fuzzers(out)
    time.sleep(grace)
    for f in glob.glob(os.path.join(out, "work", "*", "*", "pid.*")):
        try:
            os.kill(int(read(f).strip()), signal.SIGKILL)
        except (ValueError, OSError):
            pass
    return 0


def main(argv):
    if len(argv) == 3 and argv[1] == "watchdog" and os.environ.get("VRSIM_WATCHDOG_OUT"):
        return watchdog(int(argv[2]), os.environ["VRSIM_WATCHDOG_OUT"])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
