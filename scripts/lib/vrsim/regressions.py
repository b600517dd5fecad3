"""scripts/reproduce --add-regression NAME TARGET FILE: keep FILE as a
regression of its corpus, corpora/CORPUS/regressions/NAME with the line
"NAME: DESCRIPTION" in corpora/CORPUS/regressions.txt, which the corpus_*
tests replay from then on. An input that still reproduces a catalogued
kernel finding is refused: an unfixed kernel bug is not a regression."""

import datetime
import os
import re
import sys
import tempfile

from . import common
from . import files
from . import replayer
from . import targets

HEADER = """\
# {corpus} regressions: inputs that once found a bug, kept so that it
# stays fixed. NAME: what it once found; the input is regressions/NAME.
# The test suite replays every one and fails on any finding
# ({tests}), and campaigns start from them. Add one with
#   scripts/reproduce --add-regression NAME TARGET FILE [--why TEXT]
"""


def paths(target):
    """(corpus, its directory, regressions/, regressions.txt)."""
    corpus = targets.corpus_name(target)
    cdir = os.path.join(common.TOP, "corpora", corpus)
    return corpus, cdir, os.path.join(cdir, "regressions"), os.path.join(cdir, "regressions.txt")


def check(name, target, why, usage_error):
    """Refuse (through USAGE_ERROR) a bad or taken NAME, a target without
    a corpus, a WHY that is no line; WHY trimmed (None when not given)."""
    corpus, cdir, regdir, txt = paths(target)
    if not re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9._-]*", name):
        usage_error("bad regression NAME '%s' (letters, digits, '.', '_', '-'; "
                    "not starting with '.')" % name)
    if not os.path.isdir(cdir):
        usage_error("target '%s' has no corpus (no corpora/%s)" % (target, corpus))
    if os.path.lexists(os.path.join(regdir, name)):
        usage_error("regression '%s' already exists: corpora/%s/regressions/%s (choose another "
                    "NAME; nothing was changed)" % (name, corpus, name))
    if any(line.startswith(name + ":") for line in common.read(txt).splitlines()):
        usage_error("regression '%s' is already described in corpora/%s/regressions.txt "
                    "(choose another NAME; nothing was changed)" % (name, corpus))
    if why is None:
        return None
    if "\n" in why or "\r" in why:
        usage_error("--why TEXT must be one line")
    why = why.strip(" \t\v\f")
    if not why:
        usage_error("--why TEXT is empty")
    return why


def add(name, target, path, why, exe, timeout, env):
    """Replay PATH through EXE, then store it as NAME with WHY or what it
    found; the exit status."""
    corpus, cdir, regdir, txt = paths(target)
    print("== replaying %s (%d bytes) through %s" % (path, os.path.getsize(path), exe), flush=True)
    # nothing cuts this replay short: scripts/reproduce never did
    rc, log = replayer.run_logged([exe, path], 0, env)
    found = re.sub(r"^(vrsim: finding |SUMMARY: )", "", replayer.finding_of(log, rc, timeout) or "")
    # An input that still trips over a catalogued kernel bug is not a
    # regression (the corpus tests would fail until the kernel is fixed):
    # it belongs to its catalogue entry.
    entry = replayer.catalogued(log, rc, target, exe) if rc else None
    if entry:
        print("%s: %s still reproduces the catalogued kernel finding '%s' (catalogue/%s/entry): "
              "an unfixed kernel bug is not a regression; nothing was written"
              % (common.PROG, path, entry.name, entry.name), file=sys.stderr)
        print("   (%s)" % found, file=sys.stderr)
        return 2
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    if why is not None:
        desc = why
    elif rc:
        desc = "once found %s (added on %s)" % (found, today)
    else:
        desc = "found nothing when added on %s" % today
    if targets.is_linux(target):
        tests, replays = "the corpus_%s-* tests" % corpus, "replay"
    else:
        tests, replays = "the corpus_%s test" % corpus, "replays"
    store(name, path, regdir, txt, desc, HEADER.format(corpus=corpus, tests=tests))
    print("== stored corpora/%s/regressions/%s (%d bytes)"
          % (corpus, name, os.path.getsize(os.path.join(regdir, name))))
    print("== described in corpora/%s/regressions.txt:" % corpus)
    print("   %s: %s" % (name, desc), flush=True)
    if rc:
        print("WARNING: %s still finds %s in this tree (exit status %d of %s)"
              % (name, found, rc, os.path.basename(exe)), file=sys.stderr)
        print("WARNING: the bug is not fixed here: %s will fail until it is" % tests,
              file=sys.stderr)
    else:
        print("== it replays clean here; %s %s it from now on" % (tests, replays))
    print("replay it:  scripts/reproduce %s corpora/%s/regressions/%s" % (target, corpus, name))
    print("commit it:  git add corpora/%s/regressions/%s corpora/%s/regressions.txt"
          % (corpus, name, corpus))
    return 0


def store(name, path, regdir, txt, desc, header):
    """Write the input and its line beside their place and move them in,
    so an interrupted add leaves no half-written input; the input is
    linked in, which never replaces one of the same name."""
    cdir = os.path.dirname(txt)
    if os.path.isfile(txt):
        with open(txt, "rb") as f:
            text = f.read()
        text += b"\n" if text and not text.endswith(b"\n") else b""
    else:
        text = header.encode()
    text += ("%s: %s\n" % (name, desc)).encode()
    fd, tmp = tempfile.mkstemp(dir=cdir, prefix=".regression-%s." % name)
    os.close(fd)
    made_dir = False
    try:
        files.copy_whole(path, tmp)
        if not os.path.isdir(regdir):
            os.mkdir(regdir)
            made_dir = True
        try:
            os.link(tmp, os.path.join(regdir, name))
        except OSError:
            common.die("could not store corpora/%s/regressions/%s (taken meanwhile?); nothing "
                       "was changed" % (os.path.basename(cdir), name))
        made_dir = False
        files.write_whole(txt, text)
    finally:
        os.unlink(tmp)
        if made_dir:
            os.rmdir(regdir)
