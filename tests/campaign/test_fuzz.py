#!/usr/bin/env python3
"""vrsim/fuzz.py: scripts/fuzz's options, usage errors and time budget."""
import io
import os
import sys
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout
from unittest import mock

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "lib"))
from vrsim import common, fuzz, targets  # noqa: E402

ROWS = [("fuzz_sim", "core", "fuzz_sim", "-"), ("fuzz_empty", "baseline", "-", "-"),
        ("fuzz_iommu", "core", "fuzz_iommu", "-"),
        ("fuzz_linux_device-6.1", "linux", "fuzz_linux_device", "6.1"),
        ("fuzz_linux_sim-6.1", "linux", "fuzz_linux_sim", "6.1")]


def fake_build(d):
    os.makedirs(os.path.join(d, "fuzz"), exist_ok=True)
    with open(os.path.join(d, "fuzz", "targets.tsv"), "w") as f:
        f.writelines("\t".join(r) + "\n" for r in ROWS)
    with open(os.path.join(d, "CMakeCache.txt"), "w") as f:
        f.write("VRSIM_LINUX_VERSIONS:INTERNAL=6.1\nVRSIM_LINUX_DEVICE_VERSIONS:INTERNAL=6.1\n")
    return d


class Args(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.build = fake_build(os.path.join(self.tmp.name, "libfuzzer"))
        p = mock.patch.object(targets, "configured_builds", return_value=[self.build])
        p.start()
        self.addCleanup(p.stop)
        self.addCleanup(self.tmp.cleanup)

    def parse(self, *argv):
        return fuzz.parse_args(list(argv))

    def refused(self, *argv):
        err = io.StringIO()
        with redirect_stderr(err), self.assertRaises(common.Exit) as cm:
            self.parse(*argv)
        self.assertEqual(cm.exception.status, 2)
        self.assertIn("--help", err.getvalue())
        return err.getvalue()

    def test_defaults(self):
        o = self.parse()
        self.assertEqual((o.duration, o.engine, o.jobs, o.out, o.workdir, o.coverage,
                          o.apply_fixes, o.targets, o.budget_s),
                         (60, "libfuzzer", common.jobs(), "", "", True, False, [], None))

    def test_both_spellings_of_a_value(self):
        o = self.parse("--duration", "5", "--engine=both", "--jobs=3", "--targets",
                       "fuzz_sim,fuzz_linux_sim-6.1", "--out=/x")
        self.assertEqual((o.duration, o.engine, o.jobs, o.targets, o.out),
                         (5, "both", 3, ["fuzz_sim", "fuzz_linux_sim-6.1"], "/x"))
        o = self.parse("--workdir", "/w", "--budget", "1h30m", "--no-coverage")
        self.assertEqual((o.workdir, o.budget_s, o.coverage), ("/w", 5400, False))

    def test_help_exits_0_with_the_usage(self):
        out = io.StringIO()
        with redirect_stdout(out), self.assertRaises(common.Exit) as cm:
            self.parse("--duration", "5", "-h")
        self.assertEqual(cm.exception.status, 0)
        text = out.getvalue()
        self.assertTrue(text.startswith("usage: scripts/fuzz [--duration SECONDS"))
        # the targets the build lists, not a list of the code's
        self.assertIn("fuzz_iommu,fuzz_sim,fuzz_linux_sim-6.1,fuzz_linux_device-6.1", text)
        self.assertIn("130 interrupted with nothing new found", text)

    def test_usage_errors(self):
        self.assertIn("unknown argument '--no-such-flag'", self.refused("--no-such-flag"))
        self.assertIn("not '0'", self.refused("--duration", "0"))
        self.assertIn("not '1m'", self.refused("--duration", "1m"))
        self.assertIn("unknown engine 'honggfuzz'", self.refused("--engine", "honggfuzz"))
        self.assertIn("--jobs needs a value", self.refused("--jobs"))
        self.assertIn("not 'many'", self.refused("--jobs", "many"))
        self.assertIn("exclude each other", self.refused("--out", "a", "--workdir", "b"))
        self.assertIn("exclude each other", self.refused("--budget", "1h", "--duration", "5"))
        self.assertIn("not '8x'", self.refused("--budget", "8x"))
        self.assertIn("not '0'", self.refused("--budget", "0"))
        self.assertIn("--no-coverage is for --workdir", self.refused("--no-coverage"))

    def test_unknown_targets(self):
        msg = self.refused("--targets", "fuzz_sim,fuzz_nope")
        self.assertIn("unknown target 'fuzz_nope' (available: fuzz_empty,fuzz_iommu,fuzz_sim,", msg)
        self.assertIn("unknown target 'fuzz_linux_devices'",
                      self.refused("--targets", "fuzz_linux_devices"))
        self.assertIn("unknown target ''", self.refused("--targets", "fuzz_sim,,fuzz_iommu"))
        # the plain Linux name is the first kernel's
        self.assertEqual(self.parse("--targets", "fuzz_linux_device").targets,
                         ["fuzz_linux_device"])


class Budget(unittest.TestCase):
    def test_parse_time(self):
        p = fuzz.parse_time
        self.assertEqual([p("8h"), p("90m"), p("1h30m"), p("600s"), p("600"), p("1h1m1s")],
                         [28800, 5400, 5400, 600, 600, 3661])
        self.assertEqual([p("8x"), p(""), p("h"), p("1.5h"), p("-5")], [None] * 5)

    def test_85_percent_of_what_the_build_leaves(self):
        # 2 targets on 2 cores: one round of libFuzzer
        self.assertEqual(fuzz.budget_duration(1000, 100, 2, 2, "libfuzzer"), (765, 1, 900))
        # 4 targets on 2 cores: two rounds
        self.assertEqual(fuzz.budget_duration(1000, 0, 4, 2, "libfuzzer")[:2], (425, 2))
        # AFL++ takes a pair of cores a target
        self.assertEqual(fuzz.budget_duration(1000, 0, 2, 2, "afl")[:2], (425, 2))
        self.assertEqual(fuzz.budget_duration(1000, 0, 2, 2, "both")[:2], (283, 3))
        # more cores than targets: still one round
        self.assertEqual(fuzz.budget_duration(100, 0, 1, 8, "libfuzzer")[:2], (85, 1))
        self.assertLess(fuzz.budget_duration(10, 30, 1, 1, "libfuzzer")[0], 1)


class Notes(unittest.TestCase):
    def test_space_note_only_on_a_full_disk(self):
        self.assertEqual(fuzz.space_note("/nonexistent/dir"), "")
        with mock.patch("os.statvfs") as st:
            st.return_value = mock.Mock(f_bavail=10, f_frsize=4096)
            self.assertIn("the disk is full", fuzz.space_note("/x"))
            st.return_value = mock.Mock(f_bavail=1 << 30, f_frsize=4096)
            self.assertEqual(fuzz.space_note("/x"), "")


if __name__ == "__main__":
    unittest.main()
