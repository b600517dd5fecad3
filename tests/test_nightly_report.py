#!/usr/bin/env python3
"""The nightly report (scripts/lib/nightly_report.py, the entry point of
vrsim/nightly.py) over made-up work directories: python3
tests/test_nightly_report.py. gnuplot is installed by the commands
(gnuplot-nox), so the plots are checked, never skipped."""
import errno
import io
import json
import os
import subprocess
import sys
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout
from unittest import mock

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPORT = os.path.join(TOP, "scripts", "lib", "nightly_report.py")
N1, N2, N3 = "20261201T010000Z", "20261202T010000Z", "20261203T010000Z"


def load_module():
    sys.path.insert(0, os.path.join(TOP, "scripts", "lib"))
    from vrsim import nightly
    return nightly


def record(night, edges, rate, lines, new=(), known=(), status=0, cov=True, engine="libfuzzer"):
    engines = {"libfuzzer": {"execs": 1000, "execs_per_sec": rate, "edges": edges}}
    if engine == "both":
        engines["afl"] = {"execs": 5000, "execs_per_sec": rate * 10, "edges": edges // 2}
    return {"night": night, "started": night, "ended": night, "commit": "abc123",
            "dirty": False, "engine": engine, "jobs": 2, "duration": 60, "budget": None,
            "interrupted": False, "recovered": False, "status": status,
            "targets": {"fuzz_sim": {"engines": engines,
                                     "corpus": 10 + edges // 100,
                                     "lines": {"covered": lines, "count": 1000,
                                               "percent": lines / 10.0},
                                     "findings_new": len(new), "findings_known": len(known)},
                        "fuzz_iommu": {"engines": {"libfuzzer": {"execs": 10, "execs_per_sec": 7,
                                                                  "edges": 30}},
                                       "corpus": 3, "lines": None,
                                       "findings_new": 0, "findings_known": 0}},
            "findings": {"new": list(new), "known": list(known)},
            "coverage": {g: {"lines": {"covered": lines, "count": 1000, "percent": lines / 10.0 + i},
                             "branches": {"covered": 1, "count": 2, "percent": 50.0}}
                         for i, g in enumerate(("ring/", "dma/", "sim/", "total"))} if cov else None,
            "coverage_html": "nights/%s/coverage/html/index.html" % night if cov else None,
            "matrix": {"inputs": {"fuzz_sim": 10}, "reached": {"fuzz_sim": 4},
                       "platform_policy_layout": [
                           {"platform": "kvm", "policy": "never", "layout": "split", "inputs": 4},
                           {"platform": "sev", "policy": "protected-2020", "layout": "packed",
                            "inputs": 2}],
                       "platform_feature": [{"platform": "kvm", "feature": "indirect", "inputs": 3}],
                       "platform_path": [{"platform": "kvm", "path": "dma-api", "inputs": 4}]}}


class Report(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.wd = os.path.join(self.tmp.name, "wd")
        os.makedirs(os.path.join(self.wd, "findings"))

    def tearDown(self):
        self.tmp.cleanup()

    def history(self, recs):
        with open(os.path.join(self.wd, "history.jsonl"), "w") as f:
            for r in recs:
                f.write(json.dumps(r) + "\n")

    def finding(self, fid, first, last, nights, message, target="fuzz_sim"):
        d = os.path.join(self.wd, "findings", target, fid)
        os.makedirs(d)
        with open(os.path.join(d, "finding.json"), "w") as f:
            json.dump({"key": "protocol|f1|f2", "id": fid, "target": target, "kind": "protocol",
                       "message": message, "frames": ["f1", "f2"],
                       "first_seen": first, "last_seen": last, "nights": nights, "count": 3,
                       "input": "input", "size": 17, "minimized": True, "decoded": "decoded.txt",
                       "reproduce": "scripts/reproduce %s %s/input" % (target, d)}, f)
        for name in ("input", "decoded.txt"):
            with open(os.path.join(d, name), "w") as f:
                f.write("x")

    def three_nights(self):
        self.history([record(N1, 1200, 3000, 900, new=["protocol-a"], status=1),
                      record(N2, 1250, 3100, 910, cov=False),
                      record(N3, 1300, 2900, 920, known=["protocol-a"], new=["protocol-b"],
                             status=1)])
        self.finding("protocol-a", N1, N3, 2, "used id <7> twice")
        self.finding("protocol-b", N3, N3, 1, "another one")

    def run_report(self, wd=None, env=None):
        return subprocess.run([sys.executable, REPORT, wd or self.wd], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=60, env=env)

    def read(self, name):
        with open(os.path.join(self.wd, name)) as f:
            return f.read()

    def assert_svgs(self, data, page):
        for rel in data["plots"]:
            self.assertTrue(rel.endswith(".svg"), rel)
            with open(os.path.join(self.wd, rel)) as f:
                head = f.read()
            self.assertTrue(head.startswith("<?xml") or "<svg" in head, rel)
            self.assertIn(rel, page)

    def assert_no_temp_files(self):
        for d in (self.wd, os.path.join(self.wd, "plots")):
            if os.path.isdir(d):
                self.assertEqual([n for n in os.listdir(d)
                                  if n.startswith(".report-tmp-") or n.startswith(".tmp-")], [])

    # ------------------------------------------------------------ nights

    def test_one_night(self):
        self.history([record(N1, 1200, 3000, 900)])
        p = self.run_report()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "report: %s/report.html\n" % self.wd)
        self.assertEqual(p.stderr, "")
        page = self.read("report.html")
        for text in ("fuzz_sim", "fuzz_iommu", "nothing new", "3,000", "90.0%",
                     'href="nights/20261201T010000Z/coverage/html/index.html"', "kvm",
                     "protected-2020", "0/2"):
            self.assertIn(text, page)
        data = json.loads(self.read("report.json"))
        self.assertEqual(data["nights"], 1)
        self.assertEqual(data["last"]["night"], N1)
        self.assertEqual(len(data["trend"]["fuzz_sim"]), 1)
        self.assertEqual(data["findings"], [])
        self.assertIn("plots/target-fuzz_sim.svg", data["plots"])
        self.assertIn("plots/coverage.svg", data["plots"])
        self.assert_svgs(data, page)
        self.assert_no_temp_files()

    def test_three_nights_trend_and_a_finding_seen_twice(self):
        self.three_nights()
        p = self.run_report()
        self.assertEqual(p.returncode, 0, p.stderr)
        data = json.loads(self.read("report.json"))
        self.assertEqual(sorted(data), ["coverage_trend", "findings", "findings_by_night", "last",
                                        "nights", "plot_notes", "plots", "plots_png", "trend",
                                        "workdir"])
        self.assertEqual(data["nights"], 3)
        self.assertEqual(data["workdir"], os.path.abspath(self.wd))
        sim = data["trend"]["fuzz_sim"]
        self.assertEqual([t["night"] for t in sim], [N1, N2, N3])
        self.assertEqual([t["edges"] for t in sim], [1200, 1250, 1300])
        self.assertEqual([t["execs_per_sec"] for t in sim], [3000, 3100, 2900])
        self.assertEqual([t["corpus"] for t in sim], [22, 22, 23])
        self.assertEqual([t["lines_percent"] for t in sim], [90.0, 91.0, 92.0])
        self.assertEqual([t["edges"] for t in data["trend"]["fuzz_iommu"]], [30, 30, 30])
        self.assertEqual([t["lines_percent"] for t in data["trend"]["fuzz_iommu"]], [None] * 3)
        self.assertEqual([c["ring/"] for c in data["coverage_trend"]], [90.0, None, 92.0])
        self.assertEqual([c["total"] for c in data["coverage_trend"]], [93.0, None, 95.0])
        # newest first, tonight's new one flagged
        self.assertEqual([(f["id"], f["new_tonight"]) for f in data["findings"]],
                         [("protocol-b", True), ("protocol-a", False)])
        self.assertEqual(data["findings"][1]["nights"], 2)
        self.assertEqual([b["count"] for b in data["findings_by_night"]], [1, 0, 1])
        page = self.read("report.html")
        self.assertIn("used id &lt;7&gt; twice", page)   # escaped
        self.assertNotIn("used id <7>", page)
        self.assertIn("new finding(s)", page)
        self.assertIn('href="nights/20261203T010000Z/coverage/html/index.html"', page)
        self.assertIn('href="findings/fuzz_sim/protocol-a/input"', page)
        self.assertIn('href="findings/fuzz_sim/protocol-a/decoded.txt"', page)
        self.assertIn("scripts/reproduce fuzz_sim", page)
        self.assertIn('<tr class="new"><td>fuzz_sim</td><td>protocol</td><td>another one', page)
        self.assertLess(page.index("another one"), page.index("used id"))
        self.assertIn("plots/target-fuzz_sim.svg", data["plots"])
        self.assertIn("plots/target-fuzz_iommu.svg", data["plots"])
        self.assertIn("plots/findings.svg", data["plots"])
        self.assert_svgs(data, page)
        # the figures gnuplot drew are tonight's: 3 nights in the target's data
        with open(os.path.join(self.wd, "plots", "target-fuzz_sim.dat")) as f:
            self.assertEqual(f.read().count(N2), 2)   # edges and execs/s

    def test_one_id_in_two_targets(self):
        # an id is unique only within a target: the finding's own dates say
        # which one tonight saw; history's bare ids decide only without them
        self.history([record(N1, 1200, 3000, 900), record(N2, 1200, 3000, 900,
                                                          known=["protocol-a"], new=["protocol-c"])])
        self.finding("protocol-a", N1, N1, 1, "old one", target="fuzz_sim")
        self.finding("protocol-a", N1, N2, 2, "old one", target="fuzz_iommu")
        d = os.path.join(self.wd, "findings", "fuzz_sim", "protocol-c")
        os.makedirs(d)
        with open(os.path.join(d, "finding.json"), "w") as f:
            json.dump({"id": "protocol-c", "target": "fuzz_sim", "message": "undated"}, f)
        p = self.run_report()
        self.assertEqual(p.returncode, 0, p.stderr)
        got = {f["dir"]: (f["new_tonight"], f["seen_tonight"])
               for f in json.loads(self.read("report.json"))["findings"]}
        self.assertEqual(got, {"findings/fuzz_sim/protocol-a": (False, False),
                               "findings/fuzz_iommu/protocol-a": (False, True),
                               "findings/fuzz_sim/protocol-c": (True, True)})

    def test_two_engines_are_kept_apart(self):
        self.history([record(N1, 1200, 3000, 900, engine="both"),
                      record(N2, 1300, 3100, 910, engine="both")])
        p = self.run_report()
        self.assertEqual(p.returncode, 0, p.stderr)
        sim = json.loads(self.read("report.json"))["trend"]["fuzz_sim"]
        self.assertEqual([t["edges"] for t in sim], [1200, 1300])   # libFuzzer's
        self.assertEqual([t["engines"]["afl"]["edges"] for t in sim], [600, 650])
        self.assertEqual([t["engines"]["afl"]["execs_per_sec"] for t in sim], [30000, 31000])
        page = self.read("report.html")
        self.assertIn("<td>afl</td>", page)
        self.assertIn("31,000", page)

    def test_records_with_nulls_and_missing_keys(self):
        bare = {"night": N2, "targets": {"fuzz_sim": {"engines": None, "corpus": None,
                                                      "lines": None}},
                "coverage": None, "matrix": None, "status": None, "findings": None}
        self.history([{"night": N1}, bare])
        p = self.run_report()
        self.assertEqual(p.returncode, 0, p.stderr)
        data = json.loads(self.read("report.json"))
        self.assertEqual(data["trend"]["fuzz_sim"][0]["edges"], None)
        page = self.read("report.html")
        self.assertIn("No matrix this night", page)
        self.assertIn("no coverage report this night", page)

    def test_hostile_strings_are_escaped(self):
        rec = record(N1, 1200, 3000, 900, new=["protocol-x"], status=1)
        rec["targets"]['fuzz_<b>"x"'] = rec["targets"].pop("fuzz_iommu")
        rec["commit"] = "<script>alert(1)</script>"
        rec["coverage_html"] = '"><script>x</script>'
        self.history([rec])
        self.finding("protocol-x", N1, N1, 1, "<img src=x onerror=alert(1)>")
        p = self.run_report()
        self.assertEqual(p.returncode, 0, p.stderr)
        page = self.read("report.html")
        self.assertNotIn("<script", page)
        self.assertNotIn("<img src=x", page)
        self.assertNotIn("<b>", page)
        self.assertIn("fuzz_&lt;b&gt;&quot;x&quot;", page)

    # ------------------------------------------------------------ refusals

    def test_corrupt_history_is_refused_and_the_old_report_kept(self):
        self.history([record(N1, 1200, 3000, 900)])
        self.assertEqual(self.run_report().returncode, 0)
        before = self.read("report.html"), self.read("report.json")
        with open(os.path.join(self.wd, "history.jsonl"), "a") as f:
            f.write("{not json\n")
            f.write(json.dumps(record(N2, 1, 1, 1)) + "\n")
        p = self.run_report()
        self.assertEqual(p.returncode, 2)
        self.assertIn("%s/history.jsonl: line 2 is not a JSON record" % self.wd, p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        self.assertNotIn("Traceback", p.stderr)
        self.assertEqual(p.stdout, "")
        self.assertEqual((self.read("report.html"), self.read("report.json")), before)
        self.assert_no_temp_files()

    def test_a_record_without_a_night_is_refused(self):
        self.history([record(N1, 1200, 3000, 900), {"status": 0}, {"night": "yesterday"}])
        p = self.run_report()
        self.assertEqual(p.returncode, 2)
        self.assertIn("line 2 is not a JSON record", p.stderr)
        self.history([record(N1, 1200, 3000, 900), {"night": "yesterday"}])
        p = self.run_report()
        self.assertEqual(p.returncode, 2)
        self.assertIn("line 2 is not a JSON record", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.wd, "report.html")))

    def test_corrupt_finding_is_refused(self):
        self.history([record(N1, 1200, 3000, 900)])
        d = os.path.join(self.wd, "findings", "fuzz_sim", "protocol-z")
        os.makedirs(d)
        with open(os.path.join(d, "finding.json"), "w") as f:
            f.write('{\n "id": "protocol-z",\n oops\n}\n')
        p = self.run_report()
        self.assertEqual(p.returncode, 2)
        self.assertIn("%s/finding.json: line 3" % d, p.stderr)
        self.assertNotIn("Traceback", p.stderr)

    def test_a_finding_dir_without_finding_json_is_skipped(self):
        self.history([record(N1, 1200, 3000, 900)])
        os.makedirs(os.path.join(self.wd, "findings", "fuzz_sim", "protocol-half"))
        p = self.run_report()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("1 finding directory without finding.json", self.read("report.html"))

    def test_missing_work_dir(self):
        p = self.run_report(os.path.join(self.tmp.name, "nowhere"))
        self.assertEqual(p.returncode, 2)
        self.assertIn("no work directory", p.stderr)
        self.assertNotIn("Traceback", p.stderr)

    def test_work_dir_without_history(self):
        p = self.run_report()
        self.assertEqual(p.returncode, 2)
        self.assertIn("%s/history.jsonl: missing" % self.wd, p.stderr)
        self.history([])
        p = self.run_report()
        self.assertEqual(p.returncode, 2)
        self.assertIn("no night recorded yet", p.stderr)

    def test_usage(self):
        p = subprocess.run([sys.executable, REPORT], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 2)
        self.assertIn("usage:", p.stderr)

    # ------------------------------------------------------------ plots

    def test_without_gnuplot_the_page_says_so(self):
        self.three_nights()
        empty = os.path.join(self.tmp.name, "empty-path")
        os.makedirs(empty)
        p = self.run_report(env=dict(os.environ, PATH=empty))
        self.assertEqual(p.returncode, 0, p.stderr)
        page = self.read("report.html")
        self.assertIn("gnuplot is not installed", page)
        self.assertIn("used id &lt;7&gt; twice", page)
        data = json.loads(self.read("report.json"))
        self.assertEqual(data["plots"], [])
        self.assertEqual([t["edges"] for t in data["trend"]["fuzz_sim"]], [1200, 1250, 1300])

    def test_a_failing_gnuplot_leaves_a_note_per_plot(self):
        self.three_nights()
        bindir = os.path.join(self.tmp.name, "bin")
        os.makedirs(bindir)
        fake = os.path.join(bindir, "gnuplot")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\necho 'line 1: unknown terminal' >&2\nexit 1\n")
        os.chmod(fake, 0o755)
        p = self.run_report(env=dict(os.environ, PATH=bindir + os.pathsep + os.environ["PATH"]))
        self.assertEqual(p.returncode, 0, p.stderr)
        page = self.read("report.html")
        self.assertIn("gnuplot failed: line 1: unknown terminal", page)
        data = json.loads(self.read("report.json"))
        self.assertEqual(data["plots"], [])
        self.assertIn("target-fuzz_sim", data["plot_notes"])

    # ------------------------------------------------------------ full disk

    def test_full_disk_keeps_the_old_report(self):
        self.history([record(N1, 1200, 3000, 900)])
        self.assertEqual(self.run_report().returncode, 0)
        before = self.read("report.html"), self.read("report.json")
        self.history([record(N1, 1200, 3000, 900), record(N2, 1300, 3000, 900)])
        mod = load_module()
        full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        err = io.StringIO()
        with mock.patch.object(mod.os, "fsync", side_effect=full), redirect_stderr(err), \
                redirect_stdout(io.StringIO()), mock.patch.object(mod, "draw",
                                                                  return_value=({}, {}, "x")):
            rc = mod.main(["nightly_report.py", self.wd])
        self.assertEqual(rc, 4)
        self.assertEqual(err.getvalue().strip(), "report: cannot write %s/report.json: %s (disk full?)"
                         % (self.wd, os.strerror(errno.ENOSPC)))
        self.assertEqual((self.read("report.html"), self.read("report.json")), before)
        self.assert_no_temp_files()


if __name__ == "__main__":
    unittest.main()
