"""Kernel sources named with scripts/reproduce --kernel: what kind each
is (a tree, a tarball, a Debian linux-source .deb), staging the files
kernel/CMakeLists.txt needs into build/kernels/KEY/, building a replayer
against it once, and the line a --keep-going replay on it prints."""

import contextlib
import fcntl
import fnmatch
import hashlib
import os
import re
import shutil
import subprocess
import tempfile

from . import common
from . import targets
from .replayer import say

# What a kernel source is, by the name's ending: a tarball's magic bytes.
TARBALLS = ((".tar.xz", b"\xfd7zXZ\x00"), (".txz", b"\xfd7zXZ\x00"), (".tar.gz", b"\x1f\x8b"),
            (".tgz", b"\x1f\x8b"), (".tar.bz2", b"BZh"))


def kind(src):
    """"tree", "tarball" or "deb"; None when SRC is no kernel source."""
    if os.path.isdir(src):
        ok = (os.path.isfile(os.path.join(src, "drivers/virtio/virtio_ring.c"))
              and os.path.isfile(os.path.join(src, "Makefile")))
        return "tree" if ok else None
    if not os.path.isfile(src) or not os.access(src, os.R_OK):
        return None
    try:
        with open(src, "rb") as f:
            head = f.read(262)
    except OSError:
        return None
    if src.endswith(".deb"):
        r = subprocess.run(["dpkg-deb", "-f", src, "Package"], capture_output=True, text=True)
        return "deb" if r.returncode == 0 and r.stdout.startswith("linux-source") else None
    for end, magic in TARBALLS:
        if src.endswith(end):
            return "tarball" if head.startswith(magic) else None
    if src.endswith(".tar"):
        return "tarball" if head[257:262] == b"ustar" else None
    return None


def files(device=False):
    """The files kernel/CMakeLists.txt stages: VRSIM_LINUX_FILES (the
    ring's, all needed), or VRSIM_LINUX_DEVICE_FILES (the device side's:
    vringh.c, iotlb.c and what they need; a source without them builds
    the ring's targets only)."""
    var = "VRSIM_LINUX_DEVICE_FILES" if device else "VRSIM_LINUX_FILES"
    text = common.read(os.path.join(common.TOP, "kernel", "CMakeLists.txt"))
    m = re.search(r"^set\(%s\n(.*?)\)" % var, text, re.M | re.S)
    return m.group(1).split() if m else []


def key(src, what):
    """The cache key of SRC: a file's path, mtime and size; a tree's path
    and the contents of the files staged from it (a git tree changes under
    one path and one mtime while bisecting)."""
    src = os.path.realpath(src)
    text = "%s\n" % src
    # what is staged: a new file in the lists stages anew
    text += "files: %s; %s\n" % (" ".join(files()), " ".join(files(True)))
    if what == "tree":
        for f in files() + files(True):
            path = os.path.join(src, f)
            if os.path.isfile(path):
                with open(path, "rb") as fh:
                    text += "%s  -\n" % hashlib.sha1(fh.read()).hexdigest()
            else:
                text += "no %s\n" % f
    else:
        st = os.stat(src)
        text += "%d %d\n" % (int(st.st_mtime), st.st_size)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def stage(src, what, dest, log):
    """Stage SRC's files into DEST/tree (only what kernel/CMakeLists.txt
    needs, so the cache outlives a deleted .deb or a tree that moved on):
    the ring's, and the device side's when SRC has them all. False, saying
    why in the file LOG, when SRC holds no virtio_ring.c."""
    tmp = tempfile.mkdtemp(prefix=os.path.basename(dest) + ".", dir=os.path.dirname(dest))
    ring, device = files(), files(True)
    with open(log, "w") as out:
        note = lambda line: print(line, file=out, flush=True)
        if what == "tree":
            for f, lacking in [(f, "") for f in ring] + [(f, ": no device side") for f in device]:
                if not os.path.isfile(os.path.join(src, f)):
                    note("%s has no %s%s" % (src, f, lacking))
                    continue
                os.makedirs(os.path.join(tmp, "tree", os.path.dirname(f)), exist_ok=True)
                shutil.copyfile(os.path.join(src, f), os.path.join(tmp, "tree", f))
        else:
            _stage_tarball(src, what, tmp, ring + device, note, out)
    if not all(os.path.isfile(os.path.join(tmp, "tree", f))
               for f in ("drivers/virtio/virtio_ring.c", "Makefile")):
        with open(log, "a") as out:
            print("no drivers/virtio/virtio_ring.c and Makefile could be staged from %s" % src,
                  file=out)
        shutil.rmtree(tmp, ignore_errors=True)
        return False
    shutil.rmtree(dest, ignore_errors=True)
    os.rename(tmp, dest)
    return True


def _stage_tarball(src, what, tmp, wanted, note, out):
    inner = src
    if what == "deb":
        note("extracting the linux-source tarball from %s" % src)
        os.mkdir(os.path.join(tmp, "deb"))
        deb = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", src], stdout=subprocess.PIPE,
                               stderr=out)
        subprocess.run(["tar", "-x", "-C", os.path.join(tmp, "deb"), "--wildcards",
                        "*usr/src/linux-source-*.tar.*"], stdin=deb.stdout, stdout=out, stderr=out)
        deb.stdout.close()
        deb.wait()
        inner = next((os.path.join(d, f) for d, _, fs in sorted(os.walk(os.path.join(tmp, "deb")))
                      for f in sorted(fs) if fnmatch.fnmatch(f, "linux-source-*.tar.*")), "")
        if not inner:
            note("%s holds no usr/src/linux-source-*.tar.*" % src)
    if inner:
        note("extracting virtio_ring.c, vringh.c, iotlb.c and their headers from %s" % inner)
        x = os.path.join(tmp, "x")
        os.mkdir(x)
        # GNU tar: '*' stops at '/', so */Makefile is only the top one; what
        # the source lacks (the device side's) it names, and goes on.
        subprocess.run(["tar", "-xaf", inner, "-C", x, "--wildcards", "--no-wildcards-match-slash"]
                       + ["*/" + f for f in wanted], stdout=out, stderr=out)
        tops = sorted(d for d in os.listdir(x) if os.path.isdir(os.path.join(x, d)))
        if tops:
            os.rename(os.path.join(x, tops[0]), os.path.join(tmp, "tree"))
    for d in ("deb", "x"):
        shutil.rmtree(os.path.join(tmp, d), ignore_errors=True)


def version(tree, want="tag"):
    """VERSION.PATCHLEVEL (the targets' tag) or, with "release", the whole
    release of a staged tree's Makefile; None when it names none."""
    v = {}
    for line in common.read(os.path.join(tree, "Makefile")).splitlines():
        m = re.match(r"(VERSION|PATCHLEVEL|SUBLEVEL|EXTRAVERSION) *=", line)
        if m:
            v[m.group(1)] = re.sub(r"^[^=]*= *", "", line)
    if not v.get("VERSION") or not v.get("PATCHLEVEL"):
        return None
    if want == "tag":
        return "%s.%s" % (v["VERSION"], v["PATCHLEVEL"])
    return "%s.%s.%s%s" % (v["VERSION"], v["PATCHLEVEL"], v.get("SUBLEVEL") or "0",
                           v.get("EXTRAVERSION", ""))


class Kernel:
    """One --kernel SRC prepared for BASE (a target without version):
    release (with the .deb's version or the tree's git commit), tree (the
    staged tree), target, replay (the replayer, None when it could not be
    built), log (why not), and why not: "stage", "device" (a device-side
    target on a source without vringh.c) or "build"."""

    def __init__(self, src, base):
        self.src, self.base = src, base
        self.release = os.path.basename(src.rstrip("/")) or src
        self.tree = self.target = self.replay = self.log = self.failed = None


def _git_commit(src):
    top = subprocess.run(["git", "-C", src, "rev-parse", "--show-toplevel"],
                         capture_output=True, text=True)
    if top.returncode or top.stdout.strip() != os.path.realpath(src):
        return None
    return subprocess.run(["git", "-C", src, "rev-parse", "--short=12", "HEAD"],
                          capture_output=True, text=True).stdout.strip()


def _release(k, what):
    release = version(k.tree, "release")
    if what == "deb":
        v = subprocess.run(["dpkg-deb", "-f", k.src, "Version"], capture_output=True, text=True)
        release += " (deb %s)" % v.stdout.strip()
    elif what == "tree":
        commit = _git_commit(k.src)
        if commit is not None:
            release += " (git %s)" % commit
    return release


def prepare(src, base, preset):
    """Stage and build SRC's replayer of BASE once, in build/kernels/KEY/
    PRESET (later runs only bring it up to date with vrsim's sources). A
    Kernel; its replay is None when it cannot be (k.failed says why)."""
    k = Kernel(src, base)
    what = kind(src)
    kdir = os.path.join(common.TOP, "build", "kernels", key(src, what))
    bdir = os.path.join(kdir, preset)
    os.makedirs(kdir, exist_ok=True)
    with open(os.path.join(kdir, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with open(os.path.join(kdir, "source"), "w") as f:
            f.write(os.path.realpath(src) + "\n")
        k.log, k.tree = os.path.join(kdir, "stage.log"), os.path.join(kdir, "src", "tree")
        if not os.path.isfile(os.path.join(k.tree, "Makefile")):
            say("== %s: staging into %s (once)" % (src, os.path.relpath(kdir, common.TOP)))
            if not stage(src, what, os.path.join(kdir, "src"), k.log):
                k.failed = "stage"
                return k
        tag = version(k.tree)
        if tag is None:
            with open(k.log, "a") as f:
                print("%s/Makefile names no version" % k.tree, file=f)
            k.failed = "stage"
            return k
        k.release = _release(k, what)
        k.target = "%s-%s" % (base, tag)
        k.log = os.path.join(kdir, "build-%s.log" % preset)
        k.failed = _build(k, preset, bdir, tag)
        if not k.failed:
            k.replay = os.path.join(bdir, "fuzz", "replay_" + k.target)
    return k


def _build(k, preset, bdir, tag):
    """None when K's replayer is built; else why not."""
    exe = os.path.join(bdir, "fuzz", "replay_" + k.target)
    if not os.access(exe, os.X_OK):
        say("== %s: building replay_%s in %s (once; a few minutes)"
                   % (k.release, k.target, os.path.relpath(bdir, common.TOP)))
    # the build's output, and why it failed, go to the log alone
    with open(k.log, "w") as log, contextlib.redirect_stderr(log):
        try:
            if not os.path.isfile(os.path.join(bdir, "Makefile")):
                common.configure_preset(preset, bdir, ["-DVRSIM_LINUX_SRC=" + k.tree,
                                                       "-DVRSIM_TESTS=OFF", "-DVRSIM_BENCH=OFF"])
            # the device side's targets: only for a kernel with vringh.c
            if targets.is_linux_device(k.base) and tag not in targets.kernels(bdir)[1]:
                print("%s has no drivers/vhost/vringh.c and iotlb.c (or what they need): no %s"
                      % (k.src, k.target), file=log)
                return "device"
            common.build_executables(preset, ["replay_" + k.target], bdir, configure=False)
        except common.Exit:
            return "build"
    return None if os.access(exe, os.X_OK) else "build"
