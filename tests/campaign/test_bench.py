#!/usr/bin/env python3
"""vrsim/bench.py: scripts/bench-fuzz's options, the figures it reads
from libFuzzer's and the replayer's output, and the table it prints."""
import contextlib
import io
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "lib"))
from vrsim import bench, common  # noqa: E402

# A libFuzzer run's log: status lines, then the final stats.
RUN = """\
INFO: Seed: 1
#2\tINITED cov: 312 ft: 401 corp: 9/1024b exec/s: 0 rss: 40Mb
#4096\tpulse  cov: 330 ft: 455 corp: 12/1400b lim: 512 exec/s: 2048 rss: 41Mb
#8192\tpulse  cov: 331 ft: 460 corp: 13/1500b lim: 512 exec/s: 2730 rss: 42Mb
Done 9000 runs in 3 second(s)
stat::number_of_executed_units: 9000
stat::average_exec_per_sec:     3000
stat::new_units_added:          4
"""


class Options(unittest.TestCase):
    def parse(self, *argv):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                return bench.parse_args(list(argv)), None, out.getvalue(), err.getvalue()
            except common.Exit as ex:
                return None, ex.status, out.getvalue(), err.getvalue()

    def test_seconds(self):
        self.assertEqual(self.parse()[0], (20, None))
        self.assertEqual(self.parse("--seconds", "2")[0], (2, None))
        self.assertEqual(self.parse("--seconds=07")[0], (7, None))

    def test_corpora(self):
        with tempfile.TemporaryDirectory() as d:
            keep = os.path.join(d, "end")
            self.assertEqual(self.parse("--corpora", keep)[0], (20, keep))
            _, status, _, err = self.parse("--corpora", d)
            self.assertEqual(status, 2)
            self.assertIn("--corpora needs a directory that does not exist yet", err)

    def test_help(self):
        _, status, out, _ = self.parse("-h")
        self.assertEqual(status, 0)
        self.assertTrue(out.startswith("usage: scripts/bench-fuzz [--seconds N] [--corpora DIR] [-h|--help]\n\n"))

    def test_usage_errors(self):
        for argv, says in ((["--no-such-flag"], "unknown argument '--no-such-flag'"),
                           (["20"], "unknown argument '20'"),
                           (["--seconds"], "--seconds needs a value"),
                           (["--seconds", "-1"], "--seconds needs a positive number, not '-1'"),
                           (["--seconds=0"], "--seconds needs a positive number, not '0'"),
                           (["--seconds", "1m"], "--seconds needs a positive number, not '1m'")):
            _, status, _, err = self.parse(*argv)
            self.assertEqual(status, 2, argv)
            self.assertIn(says, err)
            self.assertIn("--help'.", err)


class Figures(unittest.TestCase):
    def test_rate_is_the_final_average(self):
        self.assertEqual(bench.rate_of(RUN), 3000)

    def test_rate_of_a_run_without_final_stats(self):
        self.assertEqual(bench.rate_of(RUN.split("Done")[0]), 2730)
        self.assertEqual(bench.rate_of("INFO: Seed: 1\n"), 0)

    def test_finding(self):
        self.assertIsNone(bench.finding_line(RUN))
        log = RUN + "vrsim: finding ring-overrun: used idx ran past\n==1== ERROR: libFuzzer: deadly signal\n"
        self.assertEqual(bench.finding_line(log), "vrsim: finding ring-overrun: used idx ran past")

    def test_native(self):
        self.assertEqual(bench.native_figure(
            "replay: 12 inputs, 20 passes: 184322 inputs/s in the runs, 95000 with reading\n"), "184322")
        self.assertEqual(bench.native_figure("replay: no input\n"), "-")

    def test_costs(self):
        line = ("replay: cost per input, microseconds: set-up 12.50 run 200.00 checks 40.25 "
                "teardown 5.00 target 0.25 total 258.00 (812 samples)\n")
        c = bench.costs_figures("replay: 9 inputs through fuzz_sim 20 times: 3876 inputs/s in the runs\n" + line)
        self.assertEqual(c, {"set-up": 12.5, "run": 200.0, "checks": 40.25, "teardown": 5.0,
                             "target": 0.25, "total": 258.0, "samples": 812})
        self.assertIsNone(bench.costs_figures("replay: cost per input: the runs were too short to sample\n"))
        lines = bench.costs_table(["fuzz_sim", "fuzz_empty"], {"fuzz_sim": c, "fuzz_empty": None})
        row = [x for x in lines if x.startswith("fuzz_sim")][0].split()
        self.assertEqual(row, ["fuzz_sim", "12.5", "200.0", "40.2", "5.0", "0.2", "258.0", "812"])
        row = [x for x in lines if x.startswith("fuzz_empty")][0].split()
        self.assertEqual(row, ["fuzz_empty"] + ["-"] * 7)

    def test_native_rate_of_an_empty_corpus(self):
        with tempfile.TemporaryDirectory() as d:
            self.assertEqual(bench.native_rate("/nonexistent", d, {}), ("-", "-"))

    def test_native_rate_mean_size(self):
        with tempfile.TemporaryDirectory() as d:
            for name, size in (("a", 10), ("b", 21)):
                with open(os.path.join(d, name), "wb") as f:
                    f.write(b"x" * size)
            replayer = os.path.join(d, "replay")
            with open(replayer, "w") as f:
                f.write("#!/bin/sh\necho 'replay: 3 inputs, 20 passes: 4321 inputs/s in the runs' >&2\n")
            os.chmod(replayer, 0o755)
            # the replayer is in the corpus too: three files, 10 + 21 + its size
            size = (31 + os.path.getsize(replayer)) // 3
            self.assertEqual(bench.native_rate(replayer, d, dict(os.environ)), ("4321", str(size)))

    def test_commas(self):
        self.assertEqual([bench.commas(x) for x in (0, 999, 1000, 1234567, "-")],
                         ["0", "999", "1,000", "1,234,567", "-"])


class Table(unittest.TestCase):
    def test_table(self):
        names = ["fuzz_device", "fuzz_empty", "fuzz_linux_sim-6.1"]
        lines = bench.table(names, 2, {"fuzz_device": 1500, "fuzz_empty": 120000, "fuzz_linux_sim-6.1": 0},
                            {"fuzz_device": "25000", "fuzz_empty": "-", "fuzz_linux_sim-6.1": "-"},
                            {"fuzz_device": "87", "fuzz_empty": "1", "fuzz_linux_sim-6.1": "-"},
                            "x86_64", 2)
        self.assertEqual(lines, [
            "libFuzzer + ASan + UBSan, one core (taskset -c 0), 2 s per target, -max_len=512 -seed=1, "
            "x86_64, 2 core(s); kernels with catalogue/'s fixes",
            "target                        execs/s  % of empty  mean bytes  native inputs/s",
            "fuzz_device                     1,500        1.2%          87           25,000",
            "fuzz_empty                    120,000      100.0%           1                -",
            "fuzz_linux_sim-6.1                  0        0.0%           -                -",
            "mean bytes: of the corpus the run ended with; native inputs/s: that corpus",
            "replayed by the gcc -O2 replayer (build/bench-fixed), no engine, no sanitizer."])

    def test_no_baseline(self):
        lines = bench.table(["fuzz_sim"], 20, {"fuzz_sim": 10}, {"fuzz_sim": "-"}, {"fuzz_sim": "5"},
                            "aarch64", 8)
        self.assertEqual(lines[2].split(), ["fuzz_sim", "10", "-", "5", "-"])


if __name__ == "__main__":
    unittest.main()
