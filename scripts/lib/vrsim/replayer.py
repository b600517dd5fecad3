"""Running a fuzz target's replayer (replay_TARGET) on one input and
reading what it printed: the finding's line, a --keep-going replay's
kinds, the catalogue entry a finding is, the build a replayer is in."""

import contextlib
import io
import os
import re
import subprocess
import sys
import tempfile

from . import catalogue
from . import common
from . import targets


def say(line):
    """A line of progress, on stderr."""
    print(line, file=sys.stderr, flush=True)


def run(cmd, timeout, env, **kw):
    """The status of CMD, cut short after TIMEOUT seconds (status 124) as
    timeout(1) does it; 128 + N when a signal N ended it, as in a shell."""
    sys.stdout.flush()
    rc = subprocess.run(["timeout", "-k", "5", str(timeout)] + cmd, env=env, **kw).returncode
    return 128 - rc if rc < 0 else rc


def run_logged(cmd, timeout, env):
    """(status, output) of CMD, both streams in order."""
    with tempfile.TemporaryFile() as log:
        rc = run(cmd, timeout, env, stdout=log, stderr=subprocess.STDOUT)
        log.seek(0)
        return rc, log.read().decode("utf-8", "replace")


def build_of(path):
    """The CMake build directory PATH (a replayer) is in, or None."""
    d = os.path.dirname(os.path.realpath(path))
    while d != "/":
        if os.path.isfile(os.path.join(d, "CMakeCache.txt")):
            return d
        d = os.path.dirname(d)
    return None


KEEP_GOING_RE = re.compile(r"^replay: .*: finding \[([^\]]*)\]: .*$", re.M)


def finding_of(log, rc, timeout=60):
    """What an input finds, from the replayer's output LOG and exit status
    RC: the oracle's line, else a sanitizer's summary, else the status;
    None when RC is 0."""
    if rc == 0:
        return None
    if rc == 124:
        return "timeout: the replay outlasted %s s" % timeout
    m = re.search(r"vrsim: finding \[[^\]\n]*\]: .*", log) or re.search(r"^SUMMARY: .*", log, re.M)
    return (m.group(0) if m else "a failure (replayer exit status %d)" % rc).replace("\r", "")


def findings_line(log, rc, kinds=None, timeout=60):
    """The outcome of a --keep-going replay (output LOG, status RC) as its
    line says it: the first finding's line and the other kinds, or
    "clean"; KINDS (a list) leaves out the kinds it does not name."""
    if rc not in (0, 1):
        return finding_of(log, rc, timeout)  # a sanitizer, a crash, a timeout
    found = KEEP_GOING_RE.findall(log)
    want = [k for k in found if not kinds or k in kinds]
    other = [k for k in found if kinds and k not in kinds]
    if not want:
        if rc and not found:
            return finding_of(log, rc, timeout)
        return "clean" + (" (other findings: %s)" % ",".join(other) if other else "")
    first = re.search(r"^replay: .*: finding \[%s\]: .*$" % re.escape(want[0]), log, re.M).group(0)
    line = re.sub(r"^replay: .*: finding \[", "vrsim: finding [", first).replace("\r", "")
    rest = want[1:] + other
    return line + (" (also: %s)" % ",".join(rest) if rest else "")


def catalogued(log, rc, target, replay):
    """The catalogue entry of the finding in the replayer's output LOG
    (status RC) for TARGET and the replayer REPLAY, if one matches (a
    signature may match the message too)."""
    found = re.sub(r"^(vrsim: finding |SUMMARY: )", "", finding_of(log, rc) or "")
    m = re.match(r"\[([^\]]+)\]: (.*)", found)
    if not m:
        return None
    mtarget = target
    if targets.is_linux(target) and targets.corpus_name(target) == target:
        # the first kernel of the build is the unversioned target's
        build = build_of(replay)
        first = targets.kernels(build)[0] if build else []
        if first:
            mtarget = "%s-%s" % (target, first[0])
    frames = re.findall(r"^ *#[0-9]* 0x[0-9a-f]* in ([^ \n]*)", log, re.M)[:20]
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            # no stack in the log (the plain build prints none): frames unknown
            return catalogue.match(catalogue.load(common.TOP), mtarget, m.group(1),
                                   frames or None, m.group(2))
    except Exception:  # pylint: disable=broad-except
        return None  # a catalogue being written must not stop a replay
