#!/usr/bin/env python3
"""vrsim/targets.py: the fuzz targets as a build lists them."""
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "lib"))
from vrsim import targets  # noqa: E402


def fake_build(d, rows, versions="6.1;6.12", device="6.1;6.12"):
    os.makedirs(os.path.join(d, "fuzz"), exist_ok=True)
    with open(os.path.join(d, "fuzz", "targets.tsv"), "w") as f:
        f.writelines("\t".join(r) + "\n" for r in rows)
    with open(os.path.join(d, "CMakeCache.txt"), "w") as f:
        f.write("VRSIM_LINUX_VERSIONS:INTERNAL=%s\n" % versions)
        f.write("VRSIM_LINUX_DEVICE_VERSIONS:INTERNAL=%s\n" % device)
    return d


ROWS = [("fuzz_sim", "core", "fuzz_sim", "-"), ("fuzz_empty", "baseline", "-", "-"),
        ("fuzz_device", "core", "fuzz_device", "-"),
        ("fuzz_linux_device-6.12", "linux", "fuzz_linux_device", "6.12"),
        ("fuzz_linux_sim-6.12", "linux", "fuzz_linux_sim", "6.12"),
        ("fuzz_linux_sim-6.1", "linux", "fuzz_linux_sim", "6.1")]


class Targets(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.build = fake_build(self.tmp.name, ROWS, device="6.12")

    def tearDown(self):
        self.tmp.cleanup()

    def test_default_orders_core_then_ring_then_device(self):
        self.assertEqual(targets.default(self.build),
                         ["fuzz_device", "fuzz_sim", "fuzz_linux_sim-6.1",
                          "fuzz_linux_sim-6.12", "fuzz_linux_device-6.12"])
        self.assertIn("fuzz_empty", targets.default(self.build, "all"))
        self.assertEqual(targets.default(self.build, "core"), ["fuzz_device", "fuzz_sim"])

    def test_plain_linux_name_is_the_first_kernel(self):
        t = targets.lookup(self.build, "fuzz_linux_sim")
        self.assertEqual((t.name, t.kernel, t.corpus), ("fuzz_linux_sim", "6.1", "fuzz_linux_sim"))

    def test_unknown_names(self):
        for name in ("fuzz_nope", "fuzz_linux_sims", "fuzz_linux_sim-7.0"):
            with self.assertRaisesRegex(targets.Unknown, "unknown target '%s'" % name):
                targets.lookup(self.build, name)

    def test_device_side_of_a_kernel_without_vringh(self):
        with self.assertRaisesRegex(targets.Unknown, "no drivers/vhost/vringh.c"):
            targets.lookup(self.build, "fuzz_linux_device-6.1")

    def test_unconfigured_build(self):
        self.assertIsNone(targets.read(os.path.join(self.tmp.name, "nothing")))
        with self.assertRaises(targets.Unknown):
            targets.lookup(os.path.join(self.tmp.name, "nothing"), "fuzz_sim")

    def test_corpus_names(self):
        self.assertEqual(targets.corpus_name("fuzz_linux_devsim-6.12"), "fuzz_linux_devsim")
        self.assertEqual(targets.corpus_name("fuzz_sim"), "fuzz_sim")
        self.assertTrue(targets.is_linux_device("fuzz_linux_device-6.1"))
        self.assertFalse(targets.is_linux_device("fuzz_linux_sim"))


if __name__ == "__main__":
    unittest.main()
