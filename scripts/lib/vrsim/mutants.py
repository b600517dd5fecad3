"""scripts/mutants: the injected-bug self-test (docs/mutants.md).

Each tests/mutants/NN-name.patch re-creates one historical bug class in
the core code, each tests/mutants/kernel/kNN-name.patch one in a Linux
source (applied, -p1, after the catalogue's candidate fixes, so no known
kernel finding is taken for the mutant's). A comment header before the
diff names the target expected to find it (`# target:`, one the build
lists), the oracle expected to fire (`# oracle:`) and for a kernel
mutant the versions it is for (`# kernels:`). Patches are applied to a
clone of HEAD, never to this tree: `check` applies and compiles each,
`run` fuzzes each until its first finding (USAGE below).
"""

import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

from . import catalogue, common, files, targets

USAGE = """\
usage: scripts/mutants check
       scripts/mutants run [--time SECONDS] [--seed N] [--from-scratch] [MUTANT...]
       scripts/mutants -h|--help

check  For every tests/mutants/*.patch: in a clone of HEAD (reset between
       patches), 'git apply --check', apply, and build the core library and
       the replayers (default preset, one build directory, incremental);
       a kernel mutant compiles its kernel units only (below).
       Prints one line per mutant and 'N passed, N failed'; exits 1 if any
       mutant fails.
run    For each mutant (default: all; a MUTANT is a patch name, its number
       or a prefix, e.g. 03 or 03-unmap): apply it to a clone of HEAD kept
       in out/mutants/tree, build its target with the libfuzzer preset
       (incrementally), and fuzz it from a copy of corpora/<target>/seeds
       with its dictionary, one process, fixed seed, until the first
       finding or SECONDS (default 120); a kernel mutant is fuzzed with
       the Linux target its header names, built for each of its kernels
       (a device-side target needs a kernel with drivers/vhost/vringh.c,
       else 'no device'). Reports found / NOT found, seconds
       to detection and the oracle; writes out/mutants/<time>/report.txt
       and report.json. Exits 1 if any mutant is not found.
  --time SECONDS  fuzzing time limit per mutant (default 120)
  --seed N        libFuzzer -seed (default 1)
  --from-scratch  start from one 1-byte input instead of the seeds: what
                  the fuzzer finds by searching, not what the seeds hold

Kernel mutants (tests/mutants/kernel/kNN-*.patch) are checked and run once
per kernel version their '# kernels:' line names, against the Linux
sources the default configuration finds (docs/linux-ring.md). Their
'# target:' is a Linux target: fuzz_linux_sim or fuzz_linux_driver for a
patch of virtio_ring.c, fuzz_linux_device or fuzz_linux_devsim for one of
drivers/vhost/vringh.c or iotlb.c (a kernel without them fails). check
applies each (patch -p1, after the catalogue's candidate fixes) to a copy
of the kernel tree the one configuration staged, and compiles only the
kernel units it touches (kernel/ring_unit.c for virtio_ring.c,
vringh_unit.c, iotlb_unit.c for iotlb.c and rbtree.c; every source of the
kernel's library for a header) with that build's own flags: no
reconfiguration, nothing linked. run fuzzes the header's target.
"""

MUTANTS_DIR = os.path.join(common.TOP, "tests", "mutants")
KERNEL_MUTANTS_DIR = os.path.join(MUTANTS_DIR, "kernel")

# The kernel units (kernel/*_unit.c) that compile a kernel file: a patch
# of a file listed here recompiles its unit only, a patch of anything
# else (a header) every source of the version's library ("*").
KERNEL_UNITS = {
    "drivers/virtio/virtio_ring.c": "ring_unit.c",
    "drivers/vhost/vringh.c": "vringh_unit.c",
    "drivers/vhost/iotlb.c": "iotlb_unit.c",
    "lib/rbtree.c": "iotlb_unit.c",
}

ROW = "%-48s %-17s %-10s %8s %8s  %s"


# ---- the patches and their headers ----

def header(text):
    """The comment header of a patch: its lines before the first diff."""
    out = []
    for line in text.splitlines():
        if line.startswith("diff --git ") or line.startswith("--- "):
            break
        out.append(line)
    return out


def header_field(text, key):
    """A header field of patch TEXT ("" when absent), its indented
    continuation lines ("#   ...") joined with a space; the last of a
    repeated field wins."""
    prefix = "# %s:" % key
    value, on = "", False
    for line in header(text):
        if line.startswith(prefix):
            value, on = line[len(prefix):], True
        elif on and line.startswith("#   "):
            value += " " + line[4:]
        else:
            on = False
    return value.strip(" \t")


def touched_files(text):
    """The files a patch changes (its "+++ b/" lines)."""
    return [m.group(1) for m in re.finditer(r"^\+\+\+ b/(\S*)", text, re.M)]


def kernel_units(text):
    """The kernel/ units to compile for a kernel patch: ["*"] for all."""
    units = [KERNEL_UNITS.get(f, "*") for f in touched_files(text)]
    return units or ["*"]


def name_of(path):
    return os.path.basename(path)[:-len(".patch")]


def is_kernel_mutant(path):
    return path.startswith(KERNEL_MUTANTS_DIR + os.sep)


def patches_in(mutants_dir=MUTANTS_DIR):
    """Every patch: vrsim's own, then the kernel's, each by name."""
    return (sorted(glob.glob(os.path.join(mutants_dir, "*.patch")))
            + sorted(glob.glob(os.path.join(mutants_dir, "kernel", "*.patch"))))


def all_patches():
    found = patches_in()
    if not found:
        common.die("no patches in %s" % MUTANTS_DIR)
    return found


def resolve(arg, patches):
    """A MUTANT argument -> its patch: the exact name (with or without
    .patch or a directory), else the one name it begins."""
    want = os.path.basename(arg)
    if want.endswith(".patch"):
        want = want[:-len(".patch")]
    for p in patches:
        if name_of(p) == want:
            return p
    matches = [p for p in patches if name_of(p).startswith(want)]
    if len(matches) != 1:
        common.usage_error("no single mutant matches '%s'" % arg)
    return matches[0]


class Mutant:
    """One patch and what its header says."""

    def __init__(self, path):
        self.path = path
        self.name = name_of(path)
        self.kernel = is_kernel_mutant(path)
        self.text = common.read(path)
        self.target = header_field(self.text, "target")
        self.oracle = header_field(self.text, "oracle")
        self.kernels = header_field(self.text, "kernels").split()


# ---- trees, builds, kernels ----

def git(tree, *args, **kw):
    return subprocess.run(["git", "-C", tree] + list(args), **kw).returncode == 0


def fresh_tree(tree):
    """A clone of HEAD at TREE, created or brought back to HEAD (build/ is
    ignored by git, so an in-tree build directory survives the reset)."""
    if os.path.isdir(os.path.join(tree, ".git")):
        ok = (git(tree, "fetch", "-q", common.TOP, "HEAD")
              and git(tree, "reset", "-q", "--hard", "FETCH_HEAD"))
    else:
        shutil.rmtree(tree, ignore_errors=True)
        ok = subprocess.run(["git", "clone", "-q", common.TOP, tree]).returncode == 0
    if not (ok and git(tree, "clean", "-fdq")):
        common.die("cannot make %s a clone of HEAD" % tree)


def reset_tree(tree):
    """Back to HEAD: only the files a patch touched change (and get rebuilt)."""
    if not (git(tree, "reset", "-q", "--hard", "HEAD") and git(tree, "clean", "-fdq")):
        common.die("cannot reset %s to HEAD" % tree)


def run_logged(cmd, log, mode="w", cwd=None, env=None):
    """Run CMD with its output to the file LOG; whether it succeeded."""
    with open(log, mode) as f:
        try:
            return subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT,
                                  cwd=cwd, env=env).returncode == 0
        except OSError as e:
            f.write("%s: %s\n" % (cmd[0], e))
            return False


def kernel_tree(build, version):
    """The pristine kernel tree of VERSION (6.1) the configured BUILD
    staged (kernel/CMakeLists.txt), or None."""
    for d in sorted(glob.glob(os.path.join(build, "linux", "*", "tree"))):
        make = common.read(os.path.join(d, "Makefile"))
        v = re.search(r"^VERSION *= *(.*)$", make, re.M)
        p = re.search(r"^PATCHLEVEL *= *(.*)$", make, re.M)
        if v and p and "%s.%s" % (v.group(1), p.group(1)) == version:
            return d
    return None


def freshen_kernel_tree(build, version):
    """A kernel re-staged for the next mutant (kernel/CMakeLists.txt
    extracts it again) keeps the tarball's file times: a file the
    previous mutant patched and this one does not looks older than its
    object, and the build would keep the previous mutant's code (k13's
    vringh.c in k14's vringh_unit.o). Fresh times for every file of the
    staged tree of VERSION in BUILD rebuild every kernel unit."""
    ktree = kernel_tree(build, version)
    for root, _, names in os.walk(ktree or []):
        for n in names:
            p = os.path.join(root, n)
            if os.path.isfile(p) and not os.path.islink(p):
                os.utime(p)


def catalogue_fixes():
    """The catalogue's candidate fixes: [(kernel version, patch file)]."""
    return [(tag, os.path.abspath(path)) for e in catalogue.load(common.TOP, strict=True)
            for tag, path in sorted(e.fixes.items())]


def linux_targets(build):
    """The Linux targets' roles (fuzz_linux_sim ...) BUILD lists."""
    listed = targets.read(build) or []
    return sorted({t.corpus for t in listed if t.group == "linux"},
                  key=lambda n: (targets.is_linux_device(n), n))


def own_targets(build):
    """vrsim's own fuzz targets (and the baseline) BUILD lists."""
    return [t.name for t in targets.read(build) or [] if t.group in ("core", "baseline")]


# ---- check ----

def compile_kernel_units(build, ktree, patched, out, units, log):
    """Compile, with BUILD's flags (its compile_commands.json), every
    source of UNITS (names of kernel/ sources, or "*" for all) that BUILD
    compiles against the kernel tree KTREE, with KTREE replaced by
    PATCHED; objects go to OUT, what is said to the open file LOG.
    Nothing is linked: a kernel mutant changes the kernel's files only,
    and the core builds around them are checked by the core mutants."""
    db = os.path.join(build, "compile_commands.json")
    with open(db) as f:
        entries = json.load(f)
    ran = 0
    for e in entries:
        argv = e.get("arguments") or shlex.split(e["command"])
        if not any(ktree + "/" in a for a in argv):
            continue
        name = os.path.basename(e["file"])
        if "*" not in units and name not in units:
            continue
        cmd, skip = [], False
        for a in argv:
            if skip:
                skip = False
                continue
            if a in ("-o", "-MF", "-MT", "-MQ"):
                skip = True
                if a == "-o":
                    cmd += ["-o", os.path.join(out, "%d-%s.o" % (ran, name))]
                continue
            if a in ("-MD", "-MMD"):
                continue
            # The kernel's units are built with -w, under which GCC lets
            # an implicit declaration pass (the link then fails on the
            # symbol): without a link, the check makes it the error the
            # build means it to be, warnings otherwise non-fatal. The
            # code generated is the build's.
            if a in ("-w", "-Werror"):
                continue
            cmd.append(a.replace(ktree + "/", patched + "/"))
        cmd.append("-Werror=implicit-function-declaration")
        log.write("      %s\n" % name)
        log.flush()
        if subprocess.call(cmd, cwd=e["directory"], stdout=log, stderr=subprocess.STDOUT):
            return False
        ran += 1
    if ran == 0:
        log.write("      no compile command of %s in %s\n" % (" ".join(units), db))
        return False
    return True


def indented(path, pattern=None, most=None):
    """Lines of the file PATH (those matching PATTERN), six spaces in."""
    lines = common.read(path).splitlines()
    if pattern:
        lines = [line for line in lines if re.search(pattern, line)]
    for line in lines[:most]:
        print("      " + line)


class Check:
    """scripts/mutants check: counts and the shared work directory."""

    def __init__(self, work):
        self.work = work
        self.tree = os.path.join(work, "src")
        self.build = os.path.join(work, "build")
        self.log = os.path.join(work, "log")
        self.passed = self.failed = 0
        self.fixes = None

    def fail(self, msg):
        print("FAIL  " + msg)
        self.failed += 1

    def ok(self, name):
        print("ok    " + name)
        self.passed += 1

    def core(self, m, own):
        if not m.target or not m.oracle:
            return self.fail("%s: header lacks '# target:' or '# oracle:'" % m.name)
        if m.target not in own:
            return self.fail("%s: target %s does not exist (fuzz/%s.c)"
                             % (m.name, m.target, m.target))
        if not (run_logged(["git", "-C", self.tree, "apply", "--check", m.path], self.log)
                and run_logged(["git", "-C", self.tree, "apply", m.path], self.log, "a")):
            self.fail("%s: does not apply" % m.name)
            return indented(self.log)
        exes = ["vrsim_sim"] + ["replay_" + t for t in own]
        if not run_logged(["cmake", "--build", self.build, "-j", str(common.jobs()), "--target"]
                          + exes, self.log):
            self.fail("%s: does not build" % m.name)
            return indented(self.log, r"error|Error", 20)
        self.ok(m.name)

    def kernel(self, m, roles):
        """One kernel mutant, for each version it names: applied (patch
        -p1, as kernel/CMakeLists.txt applies VRSIM_LINUX_PATCHES, after
        the catalogue's candidate fixes for that version, as 'run' does)
        to a copy of the pristine kernel tree the default configuration
        staged, then the kernel units it touches compiled with the
        build's own flags. No reconfiguration, no replayer rebuilt."""
        if not m.kernels or not targets.is_linux(m.target) or (roles and m.target not in roles):
            return self.fail("%s: header lacks '# kernels:' or a Linux '# target:' (%s)"
                             % (m.name, " ".join(roles or ["fuzz_linux_*"])))
        if self.fixes is None:
            try:
                self.fixes = catalogue_fixes()
            except catalogue.Malformed as ex:
                print("catalogue: %s" % ex, file=sys.stderr)
                return self.fail("%s: the catalogue's candidate fixes cannot be read" % m.name)
        kwork = os.path.join(self.work, "kernel")
        patched, obj = os.path.join(kwork, "tree"), os.path.join(kwork, "obj")
        for v in m.kernels:
            ktree = kernel_tree(self.build, v)
            if not ktree:
                self.fail("%s @%s: no Linux %s source (install linux-source-%s)"
                          % (m.name, v, v, v))
                continue
            if targets.is_linux_device(m.target) and \
                    not os.path.isfile(os.path.join(ktree, "drivers", "vhost", "vringh.c")):
                self.fail("%s @%s: the Linux %s source has no drivers/vhost/vringh.c and "
                          "iotlb.c (no %s)" % (m.name, v, v, m.target))
                continue
            shutil.rmtree(patched, ignore_errors=True)
            shutil.rmtree(obj, ignore_errors=True)
            os.makedirs(obj)
            shutil.copytree(ktree, patched, symlinks=True)
            self.kernel_version(m, v, ktree, patched, obj)
        shutil.rmtree(patched, ignore_errors=True)
        shutil.rmtree(obj, ignore_errors=True)

    def kernel_version(self, m, v, ktree, patched, obj):
        open(self.log, "w").close()
        for tag, fix in self.fixes:
            if tag != v:
                continue
            if not run_logged(["patch", "-d", patched, "-p1", "--forward", "--batch", "-i", fix],
                              self.log, "a"):
                self.fail("%s @%s: the catalogue's fix %s does not apply"
                          % (m.name, v, os.path.relpath(fix, common.TOP)))
                return indented(self.log)
        if not run_logged(["patch", "-d", patched, "-p1", "--forward", "--batch", "-i", m.path],
                          self.log):
            self.fail("%s @%s: does not apply" % (m.name, v))
            return indented(self.log, most=12)
        with open(self.log, "w") as log:
            built = compile_kernel_units(self.build, ktree, patched, obj, kernel_units(m.text), log)
        if not built:
            self.fail("%s @%s: does not build" % (m.name, v))
            return indented(self.log, r"error|Error|no compile command", 20)
        self.ok("%s @%s" % (m.name, v))


def do_check():
    common.ensure_packages("cmake", "make", "gcc")
    mutants = [Mutant(p) for p in all_patches()]
    with tempfile.TemporaryDirectory() as work:
        c = Check(work)
        if subprocess.run(["git", "clone", "-q", common.TOP, c.tree]).returncode:
            common.die("cannot clone %s" % common.TOP)
        # Configure once, default preset (gcc, -Werror), without the
        # suites. The compile commands give a kernel mutant's units their
        # flags.
        if not run_logged(["cmake", "-S", c.tree, "-B", c.build, "--preset", "default",
                           "-DVRSIM_TESTS=OFF", "-DVRSIM_BENCH=OFF",
                           "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON"], c.log):
            sys.stderr.write(common.read(c.log))
            common.die("configure failed")
        own, roles = own_targets(c.build), linux_targets(c.build)
        for m in mutants:
            reset_tree(c.tree)
            if m.kernel:
                c.kernel(m, roles)
            else:
                c.core(m, own)
    print("%d passed, %d failed" % (c.passed, c.failed))
    return 1 if c.failed else 0


# ---- run ----

def oracle_of(log):
    """The oracle that fired, from a fuzzer's log text."""
    m = re.search(r"vrsim: finding \[([A-Za-z0-9_-]*)\]", log)
    if m and m.group(1):
        return m.group(1)
    m = re.search(r"ERROR: AddressSanitizer: ([A-Za-z0-9_-]*)", log)
    if m and m.group(1):
        return "asan:" + m.group(1)
    if "ERROR: LeakSanitizer" in log:
        return "lsan:leak"
    if "runtime error:" in log:
        return "ubsan"
    m = re.search(r"ERROR: libFuzzer: ([A-Za-z0-9_-]*)", log)
    if m and m.group(1):
        return "libfuzzer:" + m.group(1)
    return "unknown"


def executed_units(log):
    """libFuzzer's final count of executions (-print_final_stats), or None."""
    found = re.findall(r"^stat::number_of_executed_units: *(.*)$", log, re.M)
    return found[-1] if found and found[-1] else None


def seconds(t):
    """Seconds to detection as the report prints them."""
    return "%.1f" % t


class Run:
    """scripts/mutants run: its options, results and report."""

    def __init__(self, secs, seed, from_scratch, out):
        self.secs, self.seed, self.from_scratch, self.out = secs, seed, from_scratch, out
        self.rows, self.json = [], []
        self.found = self.missed = 0
        self.env = None

    def record(self, name, m, status, secs_taken=None, execs=None, oracle=None, artifact=""):
        """One result row (and its JSON) for NAME of mutant M."""
        if status == "found":
            self.found += 1
        else:
            self.missed += 1
        row = ROW % (name, m.target or "-", status, secs_taken or "-", execs or "-", oracle or "-")
        print(row)
        self.rows.append(row)
        if artifact.startswith(common.TOP + "/"):
            artifact = artifact[len(common.TOP) + 1:]
        self.json.append(json.dumps({
            "mutant": name, "target": m.target, "found": status == "found", "status": status,
            "seconds": None if secs_taken is None else float(secs_taken),
            "execs": int(execs) if execs and execs.isdigit() else None,
            "oracle": oracle or "-", "expected_oracle": m.oracle, "artifact": artifact},
            ensure_ascii=False))

    def fuzz(self, name, m, exe):
        """Fuzz EXE (mutant M built) from its target's seeds until the
        first finding or the limit, and record the result."""
        corpus = os.path.join(self.out, name + ".corpus")
        flog = os.path.join(self.out, name + ".log")
        seeds = os.path.join(common.TOP, "corpora", m.target, "seeds")
        dictionary = os.path.join(common.TOP, "corpora", m.target, m.target + ".dict")
        os.makedirs(corpus, exist_ok=True)
        if self.from_scratch:
            with open(os.path.join(corpus, "scratch"), "wb") as f:
                f.write(b"\001")
        elif os.path.isdir(seeds):
            for s in os.listdir(seeds):
                if os.path.isfile(os.path.join(seeds, s)):
                    shutil.copyfile(os.path.join(seeds, s), os.path.join(corpus, s))
        # a mutant's detection must be its own, not a known kernel finding
        if self.env is None:
            self.env = common.step_overs_env(dict(os.environ))
        args = ["-seed=" + self.seed, "-max_total_time=%d" % self.secs, "-timeout=10",
                "-artifact_prefix=%s/%s-" % (self.out, name), "-print_final_stats=1"]
        args += common.LIBFUZZER_SCHEDULE
        if os.path.isfile(dictionary):
            args.append("-dict=" + dictionary)
        t0 = time.monotonic()
        clean = run_logged([exe] + args + [corpus], flog, env=self.env)
        t1 = time.monotonic()
        shutil.rmtree(corpus, ignore_errors=True)
        if clean:
            return self.record(name, m, "NOT found")
        log = common.read(flog)
        artifacts = sorted(f for f in os.listdir(self.out) if f.startswith(name + "-")
                           and os.path.isfile(os.path.join(self.out, f)))
        self.record(name, m, "found", seconds(t1 - t0), executed_units(log), oracle_of(log),
                    os.path.join(self.out, artifacts[0]) if artifacts else "")

    def kernel(self, m, tree):
        """A kernel mutant, once per kernel it names: configured into a
        build of its own after the catalogue's candidate fixes, built,
        fuzzed with the Linux target its header names."""
        kbuild = os.path.join(tree, "build", "libfuzzer-kernel")
        for v in m.kernels:
            name = "%s@%s" % (m.name, v)
            blog = os.path.join(self.out, name + ".build.log")
            ktree = kernel_tree(os.path.join(tree, "build", "libfuzzer"), v)
            if not ktree:
                self.record(name, m, "no kernel")
                continue
            try:
                fixes = ["%s=%s" % f for f in catalogue_fixes()]
            except catalogue.Malformed as ex:
                with open(blog, "w") as f:
                    f.write("catalogue: %s\n" % ex)
                self.record(name, m, "no apply")
                continue
            with common.build_lock():
                configured = run_logged(
                    ["cmake", "--preset", "libfuzzer", "-S", tree, "-B", kbuild,
                     "-DVRSIM_TESTS=OFF", "-DVRSIM_BENCH=OFF", "-DVRSIM_LINUX_SRC=" + ktree,
                     "-DVRSIM_LINUX_PATCHES=" + ";".join(fixes + [m.path])], blog)
            if not configured:
                self.record(name, m, "no apply")
            elif targets.is_linux_device(m.target) and not targets.kernels(kbuild)[1]:
                # the kernel source has no drivers/vhost/vringh.c
                self.record(name, m, "no device")
            else:
                freshen_kernel_tree(kbuild, v)
                with common.build_lock():
                    built = run_logged(["cmake", "--build", kbuild, "-j", str(common.jobs()),
                                        "--target", m.target], blog, "a")
                if not built:
                    self.record(name, m, "no build")
                else:
                    self.fuzz(name, m, os.path.join(kbuild, "fuzz", m.target))

    def core(self, m, tree, own):
        blog = os.path.join(self.out, m.name + ".build.log")
        if not m.target or m.target not in own:
            return self.record(m.name, m, "no target")
        if not run_logged(["git", "-C", tree, "apply", m.path], blog):
            return self.record(m.name, m, "no apply")
        with common.build_lock():
            built = run_logged(["cmake", "--build", "--preset", "libfuzzer", "-j",
                                str(common.jobs()), "--target", m.target], blog, "a", cwd=tree)
        if not built:
            return self.record(m.name, m, "no build")
        self.fuzz(m.name, m, os.path.join(tree, "build", "libfuzzer", "fuzz", m.target))

    def summary(self):
        how = "from scratch" if self.from_scratch else "from the seeds"
        return "%d found, %d not found (limit %ds each, seed %s, %s)" % (
            self.found, self.missed, self.secs, self.seed, how)

    def report_json(self, stamp, commit):
        rows = "".join("    %s%s\n" % (j, "," if i < len(self.json) - 1 else "")
                       for i, j in enumerate(self.json))
        return ('{\n  "time": "%s",\n  "commit": "%s",\n  "seconds_limit": %d,\n  "seed": %d,\n'
                '  "from_scratch": %s,\n  "mutants": [\n%s  ],\n  "found": %d,\n'
                '  "not_found": %d\n}\n' % (stamp, commit, self.secs, int(self.seed),
                                            "true" if self.from_scratch else "false",
                                            rows, self.found, self.missed))


def do_run(secs, seed, from_scratch, names):
    patches = all_patches()
    if names:
        patches = [resolve(a, patches) for a in names]
    common.ensure_packages(*common.BUILD_PACKAGES)
    mutants = [Mutant(p) for p in patches]
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    out = os.path.join(common.TOP, "out", "mutants", stamp)
    tree = os.path.join(common.TOP, "out", "mutants", "tree")
    os.makedirs(out, exist_ok=True)
    fresh_tree(tree)
    log = os.path.join(out, "build.log")
    with common.build_lock():
        configured = run_logged(["cmake", "--preset", "libfuzzer", "-S", tree], log)
    if not configured:
        sys.stderr.write(common.read(log))
        common.die("libfuzzer configure failed")
    print("mutants: %d, %ds each, seed %s; results in %s" % (len(mutants), secs, seed, out))
    r = Run(secs, seed, from_scratch, out)
    own = own_targets(os.path.join(tree, "build", "libfuzzer"))
    for m in mutants:
        reset_tree(tree)
        if m.kernel:
            r.kernel(m, tree)
        else:
            r.core(m, tree, own)
    reset_tree(tree)
    commit = subprocess.run(["git", "-C", tree, "rev-parse", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    text = "".join(line + "\n" for line in
                   [ROW % ("mutant", "target", "result", "seconds", "execs", "oracle")]
                   + r.rows + [r.summary()])
    files.write_whole(os.path.join(out, "report.txt"), text)
    files.write_whole(os.path.join(out, "report.json"), r.report_json(stamp, commit))
    print()
    print(text, end="")
    print("report: %s" % os.path.join(out, "report.json"))
    return 1 if r.missed else 0


# ---- the command line ----

def parse_run(args):
    """run's options -> (seconds, seed, from_scratch, names), or None
    for --help."""
    secs, seed, from_scratch, names = 120, "1", False, []
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-h", "--help"):
            return None
        if a == "--time":
            if i + 1 >= len(args) or not re.fullmatch(r"[1-9][0-9]*", args[i + 1]):
                common.usage_error("--time needs a positive number of seconds")
            secs = int(args[i + 1])
            i += 2
        elif a == "--seed":
            if i + 1 >= len(args) or not re.fullmatch(r"[0-9]+", args[i + 1]):
                common.usage_error("--seed needs a number")
            seed = args[i + 1]
            i += 2
        elif a == "--from-scratch":
            from_scratch = True
            i += 1
        elif a.startswith("-"):
            common.usage_error("unknown option '%s'" % a)
        else:
            names.append(a)
            i += 1
    return secs, seed, from_scratch, names


def main(argv):
    common.PROG = "mutants"
    if not argv:
        common.usage_error("a mode is needed: check or run")
    mode, rest = argv[0], argv[1:]
    if mode in ("-h", "--help"):
        sys.stdout.write(USAGE)
        return 0
    if mode == "check":
        if rest:
            common.usage_error("check takes no arguments")
        return do_check()
    if mode == "run":
        opts = parse_run(rest)
        if opts is None:
            sys.stdout.write(USAGE)
            return 0
        return do_run(*opts)
    common.usage_error("unknown mode '%s'" % mode)


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)
    sys.exit(common.main_wrapper(main, sys.argv[1:]))
