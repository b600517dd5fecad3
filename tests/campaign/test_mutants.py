#!/usr/bin/env python3
"""vrsim/mutants.py: patch headers, the mutant list, options, the report."""
import contextlib
import io
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "lib"))
from vrsim import common, mutants  # noqa: E402

CORE = """\
# Mutant 99: a test.
# bug class: the driver trusts
#   a length it should check,
#   twice.
# target: fuzz_driver
# oracle: protocol (a length
#   beyond the buffer)
diff --git a/ring/vq.c b/ring/vq.c
--- a/ring/vq.c
+++ b/ring/vq.c
@@ -1 +1 @@
-# target: not_this_one
+x
"""

KERNEL = """\
# Kernel mutant k99: a test.
# kernels: 6.1 6.12
# target:   fuzz_linux_devsim\t
# oracle: stale-iotlb
--- a/drivers/vhost/iotlb.c
+++ b/drivers/vhost/iotlb.c
@@ -1 +1 @@
-a
+b
--- a/include/linux/vringh.h
+++ b/include/linux/vringh.h\t2024-01-01
@@ -1 +1 @@
-a
+b
"""


def fake_patches(d, names):
    for n in names:
        path = os.path.join(d, n)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(CORE)
    return mutants.patches_in(d)


def quietly(fn, *args):
    """FN's result, or the Exit status it raised; and what it said."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            return fn(*args), err.getvalue()
        except common.Exit as ex:
            return ex.status, err.getvalue()


class Headers(unittest.TestCase):
    def test_fields_with_continuations(self):
        self.assertEqual(mutants.header_field(CORE, "target"), "fuzz_driver")
        self.assertEqual(mutants.header_field(CORE, "oracle"), "protocol (a length beyond the buffer)")
        self.assertEqual(mutants.header_field(CORE, "bug class"),
                         "the driver trusts a length it should check, twice.")
        self.assertEqual(mutants.header_field(CORE, "kernels"), "")

    def test_header_stops_at_the_diff(self):
        self.assertEqual(len(mutants.header(CORE)), 7)
        # a kernel patch has no "diff --git": the header ends at "---"
        self.assertEqual(mutants.header(KERNEL)[-1], "# oracle: stale-iotlb")

    def test_value_is_trimmed_and_the_last_wins(self):
        self.assertEqual(mutants.header_field(KERNEL, "target"), "fuzz_linux_devsim")
        text = "# target: a\n# target: b\n--- a/x\n"
        self.assertEqual(mutants.header_field(text, "target"), "b")

    def test_kernel_units_of_the_touched_files(self):
        self.assertEqual(mutants.touched_files(KERNEL),
                         ["drivers/vhost/iotlb.c", "include/linux/vringh.h"])
        self.assertEqual(mutants.kernel_units(KERNEL), ["iotlb_unit.c", "*"])
        ring = "+++ b/drivers/virtio/virtio_ring.c\n+++ b/lib/rbtree.c\n"
        self.assertEqual(mutants.kernel_units(ring), ["ring_unit.c", "iotlb_unit.c"])
        self.assertEqual(mutants.kernel_units("# no diff\n"), ["*"])


class List(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.patches = fake_patches(self.tmp.name, [
            "02-two.patch", "01-one.patch", "10-ten.patch", "kernel/k01-a-6.1.patch",
            "kernel/k01-a-6.12.patch", "kernel/k02-b.patch", "README"])

    def tearDown(self):
        self.tmp.cleanup()

    def test_core_then_kernel_by_name(self):
        self.assertEqual([mutants.name_of(p) for p in self.patches],
                         ["01-one", "02-two", "10-ten", "k01-a-6.1", "k01-a-6.12", "k02-b"])

    def test_resolve(self):
        r = lambda a: mutants.name_of(mutants.resolve(a, self.patches))
        self.assertEqual(r("02"), "02-two")
        self.assertEqual(r("1"), "10-ten")
        self.assertEqual(r("tests/mutants/01-one.patch"), "01-one")
        # an exact name wins over the longer one it begins
        self.assertEqual(r("k01-a-6.1"), "k01-a-6.1")
        self.assertEqual(r("k02"), "k02-b")

    def test_resolve_refuses_none_or_several(self):
        for arg in ("k01", "0", "99-no-such"):
            status, err = quietly(mutants.resolve, arg, self.patches)
            self.assertEqual(status, 2)
            self.assertIn("no single mutant matches '%s'" % arg, err)


class Options(unittest.TestCase):
    def test_defaults_and_values(self):
        self.assertEqual(mutants.parse_run([]), (120, "1", False, []))
        self.assertEqual(mutants.parse_run(["--time", "30", "03", "--seed", "0", "--from-scratch", "k1"]),
                         (30, "0", True, ["03", "k1"]))
        self.assertIsNone(mutants.parse_run(["--time", "5", "--help"]))

    def test_usage_errors(self):
        for args, msg in ((["--time"], "--time needs a positive number of seconds"),
                          (["--time", "0"], "--time needs a positive number"),
                          (["--time", "1m"], "--time needs a positive number"),
                          (["--seed", "-1"], "--seed needs a number"),
                          (["-x"], "unknown option '-x'"),
                          (["03", "--fast"], "unknown option '--fast'")):
            status, err = quietly(mutants.parse_run, args)
            self.assertEqual(status, 2, args)
            self.assertIn(msg, err)
            self.assertIn("Try 'mutants --help'.", err)

    def test_modes(self):
        for argv, msg in (([], "a mode is needed: check or run"),
                          (["check", "x"], "check takes no arguments"),
                          (["list"], "unknown mode 'list'"),
                          (["run", "--time", "x"], "--time needs a positive number of seconds")):
            status, err = quietly(mutants.main, argv)
            self.assertEqual(status, 2)
            self.assertEqual(err.splitlines(), ["mutants: " + msg, "Try 'mutants --help'."])

    def test_help(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            self.assertEqual(mutants.main(["run", "-h"]), 0)
        self.assertTrue(out.getvalue().startswith("usage: scripts/mutants check\n"))


class Results(unittest.TestCase):
    def test_oracle_of(self):
        self.assertEqual(mutants.oracle_of("x\nvrsim: finding [data-integrity] at 3\n"), "data-integrity")
        self.assertEqual(mutants.oracle_of("vrsim: finding []\n==1==ERROR: AddressSanitizer: "
                                           "heap-buffer-overflow on\n"), "asan:heap-buffer-overflow")
        self.assertEqual(mutants.oracle_of("==1==ERROR: LeakSanitizer: detected\n"), "lsan:leak")
        self.assertEqual(mutants.oracle_of("a.c:3:1: runtime error: shift\n"), "ubsan")
        self.assertEqual(mutants.oracle_of("==1== ERROR: libFuzzer: timeout after 10 s\n"),
                         "libfuzzer:timeout")
        self.assertEqual(mutants.oracle_of("deadly signal\n"), "unknown")

    def test_executed_units_last_one(self):
        log = "stat::number_of_executed_units: 5\nx\nstat::number_of_executed_units:   211\n"
        self.assertEqual(mutants.executed_units(log), "211")
        self.assertIsNone(mutants.executed_units("nothing\n"))

    def test_seconds(self):
        self.assertEqual(mutants.seconds(0.04), "0.0")
        self.assertEqual(mutants.seconds(1.25001), "1.3")
        self.assertEqual(mutants.seconds(60), "60.0")

    def test_rows_and_report(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "02-two.patch")
            with open(path, "w") as f:
                f.write(CORE)
            m = mutants.Mutant(path)
            r = mutants.Run(60, "007", False, d)
            with contextlib.redirect_stdout(io.StringIO()) as out:
                r.record("02-two", m, "found", "1.5", "12", "protocol",
                         os.path.join(common.TOP, "out", "x-crash-1"))
                r.record("03-three", m, "no build")
        self.assertEqual(out.getvalue().splitlines()[1],
                         "03-three                                         fuzz_driver"
                         "       no build          -        -  -")
        self.assertEqual(r.summary(), "1 found, 1 not found (limit 60s each, seed 007, from the seeds)")
        report = json.loads(r.report_json("20261206T000000Z", "abc"))
        self.assertEqual((report["seed"], report["seconds_limit"], report["found"],
                          report["not_found"], report["from_scratch"]), (7, 60, 1, 1, False))
        first, second = report["mutants"]
        self.assertEqual((first["seconds"], first["execs"], first["artifact"], first["found"]),
                         (1.5, 12, "out/x-crash-1", True))
        self.assertEqual(first["expected_oracle"], "protocol (a length beyond the buffer)")
        self.assertEqual((second["seconds"], second["execs"], second["oracle"], second["status"]),
                         (None, None, "-", "no build"))


class KernelTrees(unittest.TestCase):
    def test_kernel_tree_by_version(self):
        with tempfile.TemporaryDirectory() as build:
            for d, v, p in (("a", 6, 12), ("b", 6, 1)):
                os.makedirs(os.path.join(build, "linux", d, "tree"))
                with open(os.path.join(build, "linux", d, "tree", "Makefile"), "w") as f:
                    f.write("# SPDX\nVERSION = %d\nPATCHLEVEL = %d\nSUBLEVEL = 3\n" % (v, p))
            self.assertEqual(mutants.kernel_tree(build, "6.1"), os.path.join(build, "linux", "b", "tree"))
            self.assertEqual(mutants.kernel_tree(build, "6.12"), os.path.join(build, "linux", "a", "tree"))
            self.assertIsNone(mutants.kernel_tree(build, "5.15"))

    def test_compile_kernel_units_with_the_builds_flags(self):
        with tempfile.TemporaryDirectory() as d:
            said = os.path.join(d, "said")
            # a "compiler" that writes down its arguments
            cc = ["/bin/sh", "-c", 'echo "$@" >>%s' % said, "cc"]
            ktree, patched = os.path.join(d, "k", "tree"), os.path.join(d, "patched")
            entry = lambda src, extra: {
                "directory": d, "file": os.path.join(d, src),
                "arguments": cc + ["-w", "-MD", "-MF", "x.d", "-I%s/include" % ktree]
                + extra + ["-o", "x.o", "-c", os.path.join(d, src)]}
            with open(os.path.join(d, "compile_commands.json"), "w") as f:
                json.dump([entry("ring_unit.c", []), entry("vringh_unit.c", ["-Werror"]),
                           {"directory": d, "file": "sim.c", "command": "cc -c sim.c"}], f)
            def compile(units):
                with tempfile.TemporaryFile("w+") as log:
                    ok = mutants.compile_kernel_units(d, ktree, patched, "/obj", units, log)
                    log.seek(0)
                    return ok, log.read()
            self.assertEqual(compile(["vringh_unit.c"]), (True, "      vringh_unit.c\n"))
            self.assertEqual(common.read(said).split(),
                             ["-I%s/include" % patched, "-o", "/obj/0-vringh_unit.c.o", "-c",
                              os.path.join(d, "vringh_unit.c"),
                              "-Werror=implicit-function-declaration"])
            self.assertEqual(compile(["*"]), (True, "      ring_unit.c\n      vringh_unit.c\n"))
            ok, said = compile(["iotlb_unit.c"])
            self.assertFalse(ok)
            self.assertIn("no compile command of iotlb_unit.c in", said)

if __name__ == "__main__":
    unittest.main()
