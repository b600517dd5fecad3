"""The fuzz targets, as the build lists them (BUILD/fuzz/targets.tsv,
written by CMake at configure time: name, group, corpus, kernel), never
from a list of our own. Groups: core (vrsim's own), baseline (fuzz_empty,
the do-nothing target), linux (the kernel's ring and device side, one per
kernel version). A Linux target's plain name (fuzz_linux_sim) is the
first kernel source's."""

import collections
import os

from . import common

Target = collections.namedtuple("Target", "name group corpus kernel")


class Unknown(Exception):
    """A name no build lists; the message says why."""


def read(build):
    """Every target BUILD lists, in its order (None when not configured)."""
    path = os.path.join(build, "fuzz", "targets.tsv")
    try:
        with open(path) as f:
            rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    except FileNotFoundError:
        return None
    return [Target(r[0], r[1], None if r[2] == "-" else r[2], None if r[3] == "-" else r[3])
            for r in rows if len(r) == 4]


def kernels(build):
    """The Linux versions BUILD has (first source first), and those with
    the device side (vringh.c and iotlb.c)."""
    split = lambda v: [x for x in (v or "").split(";") if x]
    return (split(common.cache_value(build, "VRSIM_LINUX_VERSIONS")),
            split(common.cache_value(build, "VRSIM_LINUX_DEVICE_VERSIONS")))


def default(build, mode=None):
    """The names a campaign runs by default: vrsim's own and every Linux
    one; "all" adds the baseline, "core" is vrsim's own alone (what
    OSS-Fuzz builds)."""
    groups = {"all": ("baseline", "core", "linux"), "core": ("core",)}.get(mode, ("core", "linux"))
    listed = [t for t in read(build) or [] if t.group in groups]
    # vrsim's own by name, then the kernel's ring before its device side,
    # each role's kernels oldest first
    key = lambda t: (t.group == "linux", is_linux_device(t.name), t.corpus or "",
                     tuple(int(x) for x in (t.kernel or "0").split(".")), t.name)
    return [t.name for t in sorted(listed, key=key)]


def _plain(name):
    """fuzz_linux_sim-6.1 -> (fuzz_linux_sim, 6.1); others (name, None)."""
    base, sep, ver = name.rpartition("-")
    if sep and ver.replace(".", "").isdigit() and ver.count(".") == 1:
        return base, ver
    return name, None


def lookup(build, name):
    """The Target NAME is in BUILD, the plain Linux name as its first
    kernel's; Unknown (with the reason) when it is not one."""
    listed = read(build)
    if listed is None:
        raise Unknown("%s is not configured" % build)
    by_name = {t.name: t for t in listed}
    if name in by_name:
        return by_name[name]
    base, ver = _plain(name)
    linux = {t.corpus for t in listed if t.group == "linux"}
    versions, with_device = kernels(build)
    if ver is None and base in linux and versions:
        t = by_name.get("%s-%s" % (base, versions[0]))
        if t:
            return t._replace(name=name)
    if base in linux or (ver is None and base.startswith("fuzz_linux_dev")
                         and base in _device_roles(listed)):
        if ver in versions and ver not in with_device:
            raise Unknown("%s: the Linux %s of %s has no drivers/vhost/vringh.c and iotlb.c, "
                          "so no device side (kernels with one: %s)"
                          % (name, ver, build, ",".join(with_device) or "none"))
    raise Unknown("unknown target '%s'" % name)


def _device_roles(listed):
    return {t.corpus for t in listed if t.group == "linux" and t.corpus.startswith("fuzz_linux_dev")}


def corpus_name(name):
    """Every kernel version of a Linux target shares one corpus."""
    return _plain(name)[0]


def is_linux(name):
    return name.startswith("fuzz_linux_")


def is_linux_device(name):
    return corpus_name(name) in ("fuzz_linux_device", "fuzz_linux_devsim")


def configured_builds():
    """The configured builds under build/, the fuzzing ones first: where a
    name is looked up before anything is built."""
    root = os.path.join(common.TOP, "build")
    names = sorted(os.listdir(root)) if os.path.isdir(root) else []
    first = [n for n in ("libfuzzer", "default", "asan") if n in names]
    return [os.path.join(root, n) for n in first + [n for n in names if n not in first]
            if os.path.isfile(os.path.join(root, n, "fuzz", "targets.tsv"))]


def check_names(names, build=None):
    """Raise Unknown for the first name that no configured build (or
    BUILD) lists; quiet when nothing is configured yet (the command
    configures, then looks up again)."""
    builds = [build] if build else configured_builds()
    for name in names:
        err = None
        for b in builds:
            try:
                lookup(b, name)
                err = None
                break
            except Unknown as ex:
                err = err or ex
        if err:
            raise err
