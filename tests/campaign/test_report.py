#!/usr/bin/env python3
"""vrsim/report.py: the campaign page, its first screen, the severity
order and the grouping by root cause."""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "lib"))
from vrsim import report  # noqa: E402


def finding(target, kind, message, key, count=1, cat=None, kernel=""):
    return {"target": target, "kind": kind, "message": message, "key": key, "count": count,
            "catalogue": cat, "kernel": kernel}


CAT = {"entry": "split-detach-trusts-next", "title": "split ring: detach walks by NEXT",
       "verdict": "hardening-gap", "kernels": ["6.1", "6.12"],
       "path": "catalogue/split-detach-trusts-next/entry"}


class Severity(unittest.TestCase):
    def test_order(self):
        kinds = ["protocol", "timeout", "dma-debug-wrong-size", "kernel-bug",
                 "heap-buffer-overflow"]
        ranked = sorted(kinds, key=lambda k: report.severity(k)[0])
        self.assertEqual(ranked, list(reversed(kinds)))

    def test_unknown_kind_ranks_with_crashes(self):
        self.assertEqual(report.severity("something-else"), report.severity("crash"))


class Groups(unittest.TestCase):
    def test_new_before_known_then_severity(self):
        fs = [finding("fuzz_linux_driver-6.1", "kernel-bug", "BUG_ON", "k1", cat=CAT, kernel="6.1.1"),
              finding("fuzz_linux_driver-6.12", "kernel-bug", "BUG_ON", "k1", cat=CAT,
                      kernel="6.12.1"),
              finding("fuzz_sim", "protocol", "used id twice", "p1", count=9),
              finding("fuzz_device", "dma-fault", "read outside", "d1"),
              finding("fuzz_driver", "protocol", "used id twice", "p1", count=2)]
        for f in fs:
            f["new"] = not f["catalogue"]
        groups = report.group_findings(fs)
        self.assertEqual([g["key"] for g in groups],
                         ["key:d1", "key:p1", "catalogue:split-detach-trusts-next"])
        self.assertEqual(groups[1]["inputs"], 11)
        self.assertEqual([f["target"] for f in groups[1]["findings"]], ["fuzz_driver", "fuzz_sim"])
        self.assertEqual(len(groups[2]["findings"]), 2)   # one root cause, two kernels

    def test_kernels_are_those_the_targets_ran(self):
        ks = {"6.1": "6.1.192", "6.12": "6.12.118"}
        self.assertEqual(report.tested_kernels(ks, ["fuzz_sim", "fuzz_linux_sim-6.12"]),
                         {"6.12": "6.12.118"})
        self.assertEqual(report.tested_kernels(ks, ["fuzz_linux_driver"]), {"6.1": "6.1.192"})
        self.assertEqual(report.tested_kernels(ks, ["fuzz_sim"]), {})

    def test_absolute_command(self):
        self.assertEqual(report.absolute_command("scripts/reproduce fuzz_sim out/x/crashes/a",
                                                 "/top", "/abs/out/x/crashes/a"),
                         "/top/scripts/reproduce fuzz_sim /abs/out/x/crashes/a")
        self.assertEqual(report.absolute_command("scripts/reproduce --replayer '/a b/r' t f",
                                                 "/top", "/o/f"),
                         "/top/scripts/reproduce --replayer '/a b/r' t /o/f")


class CampaignPage(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = os.path.join(self.tmp.name, "out")
        crashes = os.path.join(self.out, "crashes", "fuzz_sim")
        os.makedirs(crashes)
        self.file = os.path.join(crashes, "protocol-abc")
        for suffix in ("", ".txt", ".decoded.txt"):
            with open(self.file + suffix, "w") as f:
                f.write("x")
        new = dict(finding("fuzz_sim", "protocol", "used id <7> twice", "p|a|b", count=3),
                   file=self.file, reproduce="scripts/reproduce fuzz_sim out/crashes/fuzz_sim/protocol-abc",
                   engines=["libfuzzer"], frames=["a", "b"])
        known = dict(finding("fuzz_linux_driver-6.1", "kernel-bug", "BUG_ON(x)", "k", cat=CAT,
                             kernel="6.1.192"),
                     file=os.path.join(self.out, "missing"), reproduce="scripts/reproduce t f")
        lf = {"engine": "libfuzzer", "execs": 1000, "execs_per_sec": 50, "coverage": 1500,
              "features": 6000, "new_units": 3, "runs": 4, "fork_mode": True,
              "series": [(0, 5000), (10, 5500), (20, 6000)], "series_unit": "features (libFuzzer ft:)",
              "rate_series": [(1, 40), (20, 60)]}
        self.report = {
            "campaign": {"started": "2026-12-06T19:00:00Z", "duration": 20, "engine": "libfuzzer",
                         "jobs": 2, "top": "/top", "commit": "0123456789abcdef",
                         "kernels": {"6.12": "6.12.118", "6.1": "6.1.192"}},
            "targets": [{"target": "fuzz_sim", "engines": [dict(lf, fork_mode=False)],
                         "corpus_units": 10, "findings": [new]},
                        {"target": "fuzz_linux_driver-6.1", "engines": [lf], "corpus_units": 5,
                         "findings": [known]}],
            "findings": 2, "catalogued": 1}

    def tearDown(self):
        self.tmp.cleanup()

    def page(self):
        report.write_html(self.out, self.report)
        with open(os.path.join(self.out, "report.html")) as f:
            return f.read()

    def test_first_screen(self):
        page = self.page()
        first = page[:page.index('id="plots"')]
        self.assertIn("1 new root cause(s), and 1 known &mdash; exit 1", first)
        self.assertIn("<code>0123456789ab</code>", first)
        self.assertIn("<th>kernels</th><td>Linux 6.1.192</td>", first)   # the one a target ran
        # new before known, each with its files and an absolute command
        self.assertLess(first.index("used id &lt;7&gt; twice"), first.index("BUG_ON(x)"))
        self.assertIn('<a href="crashes/fuzz_sim/protocol-abc">input</a>', first)
        self.assertIn('<a href="crashes/fuzz_sim/protocol-abc.decoded.txt">decoded program</a>',
                      first)
        self.assertIn('<a href="crashes/fuzz_sim/protocol-abc.txt">fuzzer output</a>', first)
        self.assertIn("/top/scripts/reproduce fuzz_sim %s" % self.file, first)
        self.assertIn("catalogue/split-detach-trusts-next", first)
        self.assertNotIn("<7>", page)

    def test_every_target_has_its_plot_fork_mode_too(self):
        page = self.page()
        for stem in ("run-fuzz_sim", "run-fuzz_linux_driver-6.1"):
            self.assertIn('src="plots/%s.svg"' % stem, page)
            self.assertTrue(os.path.exists(os.path.join(self.out, "plots", stem + ".svg")))
        with open(os.path.join(self.out, "plots", "run-fuzz_linux_driver-6.1.gp")) as f:
            gp = f.read()
        self.assertIn("fork mode", gp)
        self.assertIn('set ylabel "features (libFuzzer ft:)"', gp)

    def test_two_engines_a_plot_each(self):
        afl = {"engine": "afl", "execs": 5000, "execs_per_sec": 500, "coverage": 300,
               "new_units": 4, "runs": 2, "series": [(0, 200), (20, 300)],
               "series_unit": "edges (AFL++ edges_found)", "rate_series": [(5, 400)]}
        self.report["targets"][0]["engines"].append(afl)
        stems = [p.stem for p in report.run_plots(self.report["targets"])]
        self.assertEqual(stems, ["run-fuzz_sim-libfuzzer", "run-fuzz_sim-afl",
                                 "run-fuzz_linux_driver-6.1"])
        page = self.page()
        self.assertIn('src="plots/run-fuzz_sim-afl.svg"', page)
        with open(os.path.join(self.out, "plots", "run-fuzz_sim-afl.gp")) as f:
            self.assertIn('set ylabel "edges (AFL++ edges_found)"', f.read())

    def test_coverage_and_matrix_when_computed(self):
        page = self.page()
        self.assertIn("not computed", page)
        os.makedirs(os.path.join(self.out, "coverage", "html"))
        open(os.path.join(self.out, "coverage", "html", "index.html"), "w").close()
        with open(os.path.join(self.out, "coverage", "matrix.json"), "w") as f:
            json.dump({"inputs": {"fuzz_sim": 3}, "reached": {"fuzz_sim": 2},
                       "platform_policy_layout": [{"platform": "sev", "policy": "protected-2020",
                                                   "layout": "packed", "inputs": 2}]}, f)
        page = self.page()
        self.assertIn('<a href="coverage/html/index.html">', page)
        self.assertIn("protected-2020", page)
        self.assertIn("0/2", page)

    def test_status(self):
        self.assertEqual(report.campaign_status(self.report), 1)
        self.report["catalogued"] = 2
        self.assertEqual(report.campaign_status(self.report), 3)
        self.report["findings"] = self.report["catalogued"] = 0
        self.assertEqual(report.campaign_status(self.report), 0)
        self.report["campaign"]["interrupted"] = True
        self.assertEqual(report.campaign_status(self.report), 130)


if __name__ == "__main__":
    unittest.main()
