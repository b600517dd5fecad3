"""The catalogue of known kernel findings (catalogue/, README there).

    catalogue.py check TOP            every entry well formed, its files there
                                      (exit 1 naming the entry otherwise)
    catalogue.py list TOP             one line per entry
    catalogue.py field TOP NAME FIELD print an entry's field (one per line)
    catalogue.py expect TOP NAME TAG  the outcome NAME's input must give on
                                      kernel TAG (6.1, 6.12): "clean" or a kind
    catalogue.py acknowledgements TOP every entry's Acknowledge: and
                                      Step-over: line, once each
                                      (KIND:PREFIX, one a line): what a
                                      replay of the shipped corpora steps over
    catalogue.py step-overs TOP       every entry's Step-over: line, as
                                      "@TARGET-GLOB KIND:PREFIX" for each
                                      target of its signatures: what
                                      campaigns and the fuzz smoke step over
                                      (VRSIM_ACKNOWLEDGE)
    catalogue.py patches TOP          every entry's candidate fixes as
                                      VRSIM_LINUX_PATCHES takes them:
                                      "TAG=FILE;TAG=FILE..."
    catalogue.py match TOP TARGET KIND [FRAME...]
                                      the entry a finding belongs to, if any
    catalogue.py verify TOP BUILD [NAME...]
                                      replay each entry (or those NAMEd) on
                                      every kernel BUILD holds; exit 1 naming
                                      the entry and kernel whose outcome is
                                      not the expected one

An entry is catalogue/NAME/entry: RFC 822 style "Field: value" lines
(continuation lines start with white space, a field may repeat), a blank
line, then the paragraph a maintainer reads. Standard library only.
"""
import email.parser
import email.policy
import fnmatch
import os
import re
import subprocess
import sys

REQUIRED = ("Title", "Verdict", "Kernels", "Where", "Upstream", "Target",
            "Input", "Expect", "Signature")
VERDICTS = {
    "kernel-bug": "a kernel bug",
    "hardening-gap": "a kernel hardening gap against a hostile device",
    "trusted-by-design": "Linux trusts this device by design",
    "spec-leniency": "the kernel takes what the VIRTIO spec forbids the other "
                     "party to write, with no harm found",
}
# What an expected outcome may name besides a finding kind.
CLEAN = "clean"


class Malformed(Exception):
    """An entry that cannot be used: the message names it."""


class Signature:
    """TARGET-GLOB KIND-GLOB [frame=NAME]... [message=REGEX]: a finding of a
    target and a kind matching the globs ('*': any), whose top frames
    hold every NAME and whose message matches REGEX (the rest of the line)."""

    def __init__(self, text):
        self.text = text
        msg = None
        if " message=" in text:
            text, msg = text.split(" message=", 1)
        parts = text.split()
        if len(parts) < 2:
            raise Malformed("signature '%s' needs a target and a kind" % self.text)
        self.target, self.kind = parts[0], parts[1]
        self.frames = []
        for p in parts[2:]:
            if not p.startswith("frame="):
                raise Malformed("signature '%s': '%s' is neither frame=NAME nor message=REGEX"
                                % (self.text, p))
            self.frames.append(p[len("frame="):])
        try:
            self.message = re.compile(msg) if msg else None
        except re.error as e:
            raise Malformed("signature '%s': bad message regex: %s" % (self.text, e))

    def matches(self, target, kind, frames, message=""):
        """FRAMES None: the stack is unknown (a plain replayer prints
        none), so only the target, kind and message decide."""
        return (fnmatch.fnmatchcase(target, self.target)
                and fnmatch.fnmatchcase(kind, self.kind)
                and (frames is None or all(f in frames for f in self.frames))
                and (self.message is None or bool(self.message.search(message or ""))))


class Entry:
    def __init__(self, top, name):
        self.name = name
        self.dir = os.path.join(top, "catalogue", name)
        path = os.path.join(self.dir, "entry")
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            raise Malformed("%s: cannot read catalogue/%s/entry: %s" % (name, name, e.strerror))
        msg = email.parser.Parser(policy=email.policy.compat32).parsestr(text)
        if msg.defects:
            raise Malformed("%s: not 'Field: value' lines then a blank line and a paragraph (%s)"
                            % (name, msg.defects[0].__class__.__name__))
        self.fields = {}
        for k, v in msg.items():
            self.fields.setdefault(k.title(), []).append(" ".join(v.split()))
        self.body = msg.get_payload().strip()
        missing = [k for k in REQUIRED if not self.fields.get(k)]
        if missing:
            raise Malformed("%s: missing field(s) %s" % (name, ", ".join(missing)))
        if not self.body:
            raise Malformed("%s: no paragraph after the fields" % name)
        if self.one("Verdict") not in VERDICTS:
            raise Malformed("%s: verdict '%s' is none of %s"
                            % (name, self.one("Verdict"), ", ".join(VERDICTS)))
        self.signatures = [Signature(s) for s in self.fields["Signature"]]
        self.expect = {}
        for e in self.fields["Expect"]:
            p = e.split()
            if len(p) != 2:
                raise Malformed("%s: Expect '%s' is not 'TAG OUTCOME'" % (name, e))
            self.expect[p[0]] = p[1]
        self.fixes = {}
        for e in self.fields.get("Fix", []):
            p = e.split()
            if len(p) != 2:
                raise Malformed("%s: Fix '%s' is not 'TAG FILE'" % (name, e))
            self.fixes[p[0]] = os.path.join(self.dir, p[1])
        self.examples = [os.path.join(self.dir, x) for x in self.fields.get("Example", [])]
        self.acknowledge = self.fields.get("Acknowledge", [])
        self.step_over = self.fields.get("Step-Over", [])
        for a in self.acknowledge + self.step_over:
            if not re.match(r"^[a-z-]+:\S", a):
                raise Malformed("%s: Acknowledge or Step-over '%s' is not 'KIND:MESSAGE PREFIX'" % (name, a))
        files = [self.input] + self.examples + list(self.fixes.values())
        if self.fields.get("Report"):
            files.append(self.report)
        for f in files:
            if not os.path.isfile(f):
                raise Malformed("%s: %s is missing" % (name, os.path.relpath(f, top)))

    def one(self, field):
        return self.fields[field][0]

    @property
    def title(self):
        return self.one("Title")

    @property
    def target(self):
        return self.one("Target")

    @property
    def input(self):
        return os.path.join(self.dir, self.one("Input"))

    @property
    def report(self):
        return os.path.join(self.dir, self.one("Report"))

    @property
    def kernels(self):
        return self.one("Kernels").replace(",", " ").split()

    def matches(self, target, kind, frames, message=""):
        return any(s.matches(target, kind, frames, message) for s in self.signatures)


def names(top):
    root = os.path.join(top, "catalogue")
    try:
        return sorted(n for n in os.listdir(root)
                      if os.path.isdir(os.path.join(root, n)) and not n.startswith("."))
    except OSError:
        return []


def load(top, strict=False):
    """Every usable entry; with STRICT, the first malformed one raises."""
    out = []
    for n in names(top):
        try:
            out.append(Entry(top, n))
        except Malformed as e:
            if strict:
                raise
            print("catalogue: skipped %s" % e, file=sys.stderr)
    return out


def match(entries, target, kind, frames, message=""):
    for e in entries:
        if e.matches(target, kind, frames, message):
            return e
    return None


def describe(title, name, verdict, kernels):
    """The line a campaign prints for a catalogued finding; KERNELS: the
    releases it was seen on (or the entry's own list)."""
    return "known kernel finding: %s (catalogue/%s; %s; affects %s)" % (
        title, name, VERDICTS.get(verdict, verdict), ", ".join(kernels))


# ---------------------------------------------------------------- verify

# A replay longer than this is the entry's "timeout" outcome.
REPLAY_SECONDS = 10
KEEP_GOING_RE = re.compile(r"^replay: .*?: finding \[([^\]]+)\]: (.*)$", re.M)


def build_kernels(build):
    """{tag: release} of the kernels BUILD holds, in the build's order."""
    tags, trees = [], {}
    try:
        with open(os.path.join(build, "CMakeCache.txt")) as f:
            cache = f.read()
    except OSError:
        return {}
    for line in cache.splitlines():
        m = re.match(r"VRSIM_LINUX_VERSIONS:INTERNAL=(.*)", line)
        if m:
            tags = [t for t in m.group(1).split(";") if t]
        m = re.match(r"VRSIM_LINUX_TREE_([0-9.]+):INTERNAL=(.*)", line)
        if m:
            trees[m.group(1)] = m.group(2)
    out = {}
    for t in tags:
        try:
            with open(os.path.join(trees.get(t, ""), "Makefile")) as f:
                mk = dict(re.findall(r"^(VERSION|PATCHLEVEL|SUBLEVEL) *= *(\d*)", f.read(), re.M))
            out[t] = "%s.%s.%s" % (mk["VERSION"], mk["PATCHLEVEL"], mk.get("SUBLEVEL") or "0")
        except (OSError, KeyError):
            out[t] = t
    return out


def replay(exe, path, acknowledge=()):
    """(outcome, [(kind, message)]) of one input under --keep-going,
    stepping over the findings ACKNOWLEDGE names (KIND:PREFIX)."""
    ack = [x for a in acknowledge for x in ("--acknowledge", a)]
    try:
        p = subprocess.run([exe, "--keep-going"] + ack + [path], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, timeout=REPLAY_SECONDS)
    except subprocess.TimeoutExpired:
        return "timeout", [("timeout", "")]
    found = KEEP_GOING_RE.findall(p.stderr.decode("utf-8", "replace"))
    if not found and p.returncode != 0:
        return "failed (exit status %d)" % p.returncode, []
    kinds = sorted(set(k for k, _ in found))
    return ",".join(kinds) or CLEAN, found


def verify(top, build, only):
    kernels = build_kernels(build)
    if not kernels:
        print("catalogue: %s holds no Linux kernel: nothing to replay" % build, file=sys.stderr)
        return 1
    bad = 0
    todo = only or names(top)
    if not todo:
        print("catalogue: no entries in %s/catalogue" % top, file=sys.stderr)
        return 1
    for name in todo:
        try:
            e = Entry(top, name)
        except Malformed as err:
            print("FAIL: %s" % err)
            bad += 1
            continue
        seen = []   # (target, kind, message) over every input and kernel
        for tag, release in kernels.items():
            exe = os.path.join(build, "fuzz", "replay_%s-%s" % (e.target, tag))
            if not os.access(exe, os.X_OK):
                print("FAIL: %s: no replayer %s (Target: %s)" % (name, exe, e.target))
                bad += 1
                continue
            for path in [e.input] + e.examples:
                # the decoder runs the program for its trace: a hang runs
                # as long there, and decoding its header is what counts
                try:
                    dec = subprocess.run([exe, "--decode", path], stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, timeout=REPLAY_SECONDS)
                except subprocess.TimeoutExpired as t:
                    dec = subprocess.CompletedProcess(t.cmd, 0, t.stdout or b"", t.stderr or b"")
                if dec.returncode != 0 or not dec.stdout.strip():
                    print("FAIL: %s: %s no longer decodes for %s-%s: %s"
                          % (name, os.path.relpath(path, top), e.target, tag,
                             dec.stderr.decode("utf-8", "replace").strip()))
                    bad += 1
                    continue
                outcome, found = replay(exe, path, e.acknowledge)
                seen += [("%s-%s" % (e.target, tag), k, m) for k, m in found]
                if path != e.input:
                    continue
                want = e.expect.get(tag)
                if want is None:
                    print("FAIL: %s records no outcome for Linux %s: its input gives '%s' "
                          "there; add 'Expect: %s %s' once you know why" % (name, release, outcome, tag, outcome))
                    bad += 1
                elif want != outcome:
                    print("FAIL: %s: on Linux %s its input now gives '%s', the entry expects '%s': "
                          "a kernel change fixed or re-introduced it (or vrsim changed); "
                          "read why, then update the entry" % (name, release, outcome, want))
                    bad += 1
                else:
                    print("ok: %s on Linux %s: %s, as expected" % (name, release, outcome))
        for sig in e.signatures:
            if not any(sig.matches(t, k, sig.frames, m) for t, k, m in seen):
                print("FAIL: %s: signature '%s' matches nothing its inputs raise on %s"
                      % (name, sig.text, ", ".join(kernels.values())))
                bad += 1
    return 1 if bad else 0


def fixes(top):
    """Every entry's candidate kernel fixes as TAG=ABSOLUTE-PATH, what
    VRSIM_LINUX_PATCHES takes (--apply-fixes, bench-fuzz)."""
    return ["%s=%s" % (tag, os.path.abspath(path))
            for e in load(top, strict=True) for tag, path in sorted(e.fixes.items())]


def step_overs(top):
    """Every entry's Step-over: lines, once each, as VRSIM_ACKNOWLEDGE
    takes them: "@GLOB KIND:PREFIX" for each target glob of the entry's
    signatures, so a known kernel finding is stepped over only in the
    targets that run that kernel code, never in vrsim's own device or
    driver (where the same finding is a bug the mutants plant)."""
    out = []
    for e in load(top, strict=True):
        globs = sorted(set(sig.target for sig in e.signatures))
        for a in e.step_over:
            out += [a] if "*" in globs else ["@%s %s" % (g, a) for g in globs]
    return list(dict.fromkeys(out))


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, top = argv[1], argv[2]
    try:
        if cmd == "check" and len(argv) == 3:
            entries = load(top, strict=True)
            if not entries:
                raise Malformed("no entries in %s/catalogue" % top)
            for e in entries:
                print("ok: %s: %s" % (e.name, e.title))
            return 0
        if cmd == "list" and len(argv) == 3:
            for e in load(top):
                print("%-40s %-17s %s" % (e.name, e.one("Verdict"), e.title))
            return 0
        if cmd == "field" and len(argv) == 5:
            e = Entry(top, argv[3])
            for v in e.fields.get(argv[4].title(), []):
                print(v)
            return 0
        if cmd == "expect" and len(argv) == 5:
            e = Entry(top, argv[3])
            if argv[4] not in e.expect:
                print("catalogue: %s records no outcome for kernel %s" % (e.name, argv[4]),
                      file=sys.stderr)
                return 1
            print(e.expect[argv[4]])
            return 0
        if cmd == "acknowledgements" and len(argv) == 3:
            for a in dict.fromkeys(a for e in load(top, strict=True)
                                   for a in e.acknowledge + e.step_over):
                print(a)
            return 0
        if cmd == "step-overs" and len(argv) == 3:
            for a in step_overs(top):
                print(a)
            return 0
        if cmd == "patches" and len(argv) == 3:
            print(";".join("%s=%s" % (tag, os.path.abspath(path))
                           for e in load(top, strict=True)
                           for tag, path in sorted(e.fixes.items())))
            return 0
        if cmd == "verify" and len(argv) >= 4:
            return verify(top, argv[3], argv[4:])
        if cmd == "match" and len(argv) >= 5:
            e = match(load(top), argv[3], argv[4], argv[5:])
            if not e:
                return 1
            print(e.name)
            return 0
    except Malformed as e:
        print("catalogue: %s" % e, file=sys.stderr)
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
