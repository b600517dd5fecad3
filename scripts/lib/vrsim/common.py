"""What every command shares: where the tree is, the Debian packages,
building presets, the sanitizers' environment, and dying with a status."""

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
import tempfile

TOP = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))

def _packages(kind):
    """What building and testing needs ("build"), and what fuzzing adds
    ("fuzz"): scripts/lib/packages, which the bash scripts read too."""
    with open(os.path.join(TOP, "scripts", "lib", "packages")) as f:
        for line in f:
            if line.split()[:1] == [kind]:
                return line.split()[1:]
    raise RuntimeError("scripts/lib/packages has no '%s' line" % kind)


BUILD_PACKAGES = _packages("build")
FUZZ_PACKAGES = _packages("fuzz")

# libFuzzer's scheduling for every run of a simulation target: inputs that
# run longer are picked less often (measured in docs/reach.md).
LIBFUZZER_SCHEDULE = ["-entropic_scale_per_exec_time=1"]
# What one input may take before it is a finding of its own kind:
# OSS-Fuzz's limits, so a night and ClusterFuzzLite agree.
LIBFUZZER_LIMITS = ["-timeout=25", "-rss_limit_mb=2560"]

PROG = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "vrsim"


class Exit(Exception):
    """Leave the command with this status (after its message was printed)."""

    def __init__(self, status):
        super().__init__(status)
        self.status = status


# The status of a failure: scripts/fuzz sets 4, so a scheduler tells a
# broken run from a finding.
DIE_STATUS = 1


def read(path):
    """A text file's content, or "" when it cannot be read."""
    try:
        with open(path, "r", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def die(msg, status=None):
    print("%s: %s" % (PROG, msg), file=sys.stderr)
    raise Exit(DIE_STATUS if status is None else status)


def usage_error(msg):
    print("%s: %s" % (PROG, msg), file=sys.stderr)
    print("Try '%s --help'." % PROG, file=sys.stderr)
    raise Exit(2)


def jobs():
    return os.cpu_count() or 2


def ensure_packages(*names):
    """Install the Debian packages that are missing; quiet when all are
    there (asks dpkg first, runs apt-get only for what is absent)."""
    # one dpkg-query for all: it names those it knows, installed or not
    r = subprocess.run(["dpkg-query", "-W", "-f=${Package} ${Status}\n"] + list(names),
                       capture_output=True, text=True)
    installed = {line.split()[0] for line in r.stdout.splitlines()
                 if line.endswith("install ok installed")}
    missing = [p for p in dict.fromkeys(names) if p not in installed]
    if not missing:
        return
    print("Installing missing packages: %s" % " ".join(missing), file=sys.stderr)
    sudo = [] if os.getuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if subprocess.run(sudo + ["apt-get", "update", "-qq"], env=env,
                      stdout=subprocess.DEVNULL).returncode:
        die("apt-get update failed")
    if subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "--no-install-recommends"]
                      + missing, env=env, stdout=subprocess.DEVNULL).returncode:
        die("could not install: %s" % " ".join(missing))


@contextlib.contextmanager
def build_lock():
    """Hold build/.lock: two commands building one tree at once would race
    in the same build directory (scripts/lib/common.sh takes it too)."""
    os.makedirs(os.path.join(TOP, "build"), exist_ok=True)
    with open(os.path.join(TOP, "build", ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def run_quiet(cmds, what, env=None):
    """Run each command in turn, printing their output only on failure,
    under the build lock."""
    with build_lock(), tempfile.TemporaryFile(mode="w+") as log:
        for cmd in cmds:
            if subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, env=env).returncode:
                log.seek(0)
                sys.stderr.write(log.read())
                die("%s failed" % what)


def build_dir(preset, directory=None):
    return directory or os.path.join(TOP, "build", preset)


def configure_preset(preset, directory=None, defs=()):
    """Configure PRESET into DIRECTORY (build/PRESET) with -DVAR=VALUE."""
    d = build_dir(preset, directory)
    run_quiet([["cmake", "--preset", preset, "-S", TOP, "-B", d] + list(defs)],
              "configure of preset '%s' (%s)" % (preset, d))
    return d


def build_preset(preset):
    """Configure and build one whole preset."""
    run_quiet([["cmake", "--preset", preset, "-S", TOP],
               ["cmake", "--build", "--preset", preset, "-j", str(jobs())]],
              "build of preset '%s'" % preset)


def build_executables(preset, exes, directory=None, defs=(), env=None, configure=True):
    """Build only the named executables of PRESET (configuring it first
    unless told it is), so a half-written file of another target cannot
    stop a campaign."""
    d = build_dir(preset, directory)
    cmds = []
    if configure:
        cmds.append(["cmake", "--preset", preset, "-S", TOP, "-B", d] + list(defs))
    cmds.append(["cmake", "--build", d, "-j", str(jobs()), "--target"] + list(exes))
    run_quiet(cmds, "build of %s (preset '%s', %s)" % (" ".join(exes), preset, d),
              env=dict(os.environ, **(env or {})))
    return d


def cache_value(directory, var):
    """A value of DIRECTORY's CMakeCache.txt (None when not configured)."""
    try:
        with open(os.path.join(directory, "CMakeCache.txt")) as f:
            for line in f:
                name, _, rest = line.partition(":")
                if name == var and "=" in rest:
                    return rest.split("=", 1)[1].rstrip("\n")
    except OSError:
        pass
    return None


def sanitizer_env(env=None):
    """Where the sanitizers find the symbolizer, and how they report:
    stacks for UBSan and for abort() (the oracles trap through it)."""
    env = dict(os.environ if env is None else env)
    sym = shutil.which("llvm-symbolizer-14") or shutil.which("llvm-symbolizer")
    if sym:
        env["ASAN_SYMBOLIZER_PATH"] = sym
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    env.setdefault("ASAN_OPTIONS", "handle_abort=1:symbolize=1")
    return env


def step_overs_env(env):
    """VRSIM_ACKNOWLEDGE from the catalogue's Step-over: lines, unless the
    user set it (even empty)."""
    if "VRSIM_ACKNOWLEDGE" in env:
        return env
    from . import catalogue
    try:
        env["VRSIM_ACKNOWLEDGE"] = "\n".join(catalogue.step_overs(TOP))
    except catalogue.Malformed as ex:
        die("the catalogue's Step-over: lines cannot be read (%s)" % ex)
    return env


def main_wrapper(fn, argv):
    """Run a command's main, turning Exit into the process status and
    Ctrl-C into 130."""
    try:
        return fn(argv)
    except Exit as ex:
        return ex.status
    except KeyboardInterrupt:
        return 130
