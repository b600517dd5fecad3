#!/usr/bin/env python3
"""vrsim/stats.py: the figures engines leave, libFuzzer's fork mode too."""
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "lib"))
from vrsim import stats  # noqa: E402

PLAIN = """INFO: Seed: 1
#31	INITED cov: 1456 ft: 4432 corp: 27/24Kb exec/s: 0 rss: 38Mb
#64	NEW    cov: 1461 ft: 4500 corp: 30/27Kb lim: 1017 exec/s: 32 rss: 39Mb L: 1/2 MS: 1 A-
#635	NEW    cov: 1596 ft: 5879 corp: 182/153Kb lim: 1017 exec/s: 90 rss: 48Mb L: 1/2 MS: 1 B-
==1== ERROR: libFuzzer: deadly signal
stat::number_of_executed_units: 640
stat::new_units_added:          155
"""
FORK = """INFO: -fork=1: fuzzing in separate process(s)
#414: cov: 5908 ft: 5908 corp: 155 exec/s 207 oom/timeout/crash: 0/0/0 time: 5s job: 1 dft_time: 0
#900: cov: 6001 ft: 6120 corp: 160 exec/s 150 oom/timeout/crash: 0/0/1 time: 9s job: 2 dft_time: 0
INFO: exiting: 0 time: 10s
"""


class LibFuzzerLogs(unittest.TestCase):
    def test_plain_mode(self):
        st = stats.libfuzzer_stats(PLAIN)
        self.assertFalse(st["fork"])
        self.assertEqual((st["execs"], st["new_units"], st["cov"], st["ft"]), (640, 155, 1596, 5879))
        # seconds into the run: libFuzzer's execs over its exec/s
        self.assertEqual([p[0] for p in st["points"]], [0, 2.0, 635 / 90])
        self.assertEqual([p[2] for p in st["points"]], [4432, 4500, 5879])

    def test_fork_mode_is_parsed(self):
        st = stats.libfuzzer_stats(FORK)
        self.assertTrue(st["fork"])
        self.assertEqual(st["execs"], 900)          # no final stats: the last status line
        self.assertEqual(st["ft"], 6120)
        self.assertEqual(st["cov"], 0)              # fork mode's cov: is not plain mode's
        self.assertEqual(st["new_units"], 5)
        self.assertEqual([(p[0], p[2], p[4]) for p in st["points"]], [(5, 5908, 207), (9, 6120, 150)])

    def test_a_target_restarted_into_fork_mode_has_its_whole_line(self):
        with tempfile.TemporaryDirectory() as d:
            os.makedirs(os.path.join(d, "logs"))
            for name, body in (("run-0-1.log", PLAIN), ("run-0-2.log", FORK)):
                with open(os.path.join(d, "logs", name), "w") as f:
                    f.write(body)
            with open(os.path.join(d, "runs.tsv"), "w") as f:
                f.write("1 1000 1010 1 0\n2 1011 1021 0 0\n")
            with open(os.path.join(d, "t0"), "w") as f:
                f.write("1000\n")
            row = stats.libfuzzer_row(d)
        self.assertTrue(row["fork_mode"])
        self.assertEqual((row["execs"], row["runs"], row["features"], row["coverage"]),
                         (1540, 2, 6120, 1596))
        ts = [t for t, _ in row["series"]]
        self.assertEqual(ts[0], 0)
        self.assertEqual(ts[-1], 11 + 9)            # the fork run's time: 9 s after it began
        self.assertEqual(row["series"][-1][1], 6120)
        vals = [v for _, v in row["series"]]
        self.assertEqual(vals, sorted(vals))         # reached so far: never down
        # execs between two of libFuzzer's seconds: 414 in the fork run's
        # first 5 s, 486 in the next 4
        self.assertEqual(row["rate_series"], [(2, 32), (7, 114), (16, 82), (20, 121)])

    def test_no_logs(self):
        with tempfile.TemporaryDirectory() as d:
            row = stats.libfuzzer_row(d)
        self.assertEqual((row["execs"], row["series"], row["rate_series"]), (0, [], []))


class Series(unittest.TestCase):
    def test_combine_sums_running_instances(self):
        a = [(0, 10), (5, 20), (6, None)]
        b = [(1, 100), (7, 50)]
        self.assertEqual(stats.combine([a, b], add=True),
                         [(0, 10), (1, 110), (5, 120), (6, 100), (7, 50)])
        self.assertEqual(stats.combine([[(0, 3), (2, 5)], [(1, 4)]], add=False),
                         [(0, 3), (1, 4), (2, 5)])
        # a stop in the same second as the instance's last figure
        self.assertEqual(stats.combine([[(0, 10), (4, 20), (4, None)], [(4, 7.5)]], add=True),
                         [(0, 10), (4, 7.5)])

    def test_reached_so_far(self):
        self.assertEqual(stats.reached([(2, 5), (0, 3), (4, 4), (4, 6)]), [(0, 3), (2, 5), (4, 6)])

    def test_thin_keeps_both_ends(self):
        pts = [(i, i) for i in range(1000)]
        out = stats.thin(pts, 50)
        self.assertLessEqual(len(out), 50)
        self.assertEqual((out[0], out[-1]), ((0, 0), (999, 999)))

    def test_afl_plot_data(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "plot_data"), "w") as f:
                f.write("# relative_time, cycles_done, cur_item, corpus_count, pending_total, "
                        "pending_favs, map_size, saved_crashes, saved_hangs, max_depth, "
                        "execs_per_sec, total_execs, edges_found\n"
                        "1, 0, 0, 10, 10, 1, 1.00%, 0, 0, 1, 500.5, 500, 120\n"
                        "6, 0, 0, 12, 10, 1, 1.00%, 0, 0, 1, 700.0, 3500, 130\n")
            edges, rates = stats.afl_plot(d, 0)
        self.assertEqual(edges, [(1.0, 120), (6.0, 130)])
        self.assertEqual(rates, [(1.0, 500.5), (6.0, 700.0)])


if __name__ == "__main__":
    unittest.main()
