#!/usr/bin/env python3
"""vrsim/coverage.py and coverage_summary.py: scripts/coverage's options,
and its table, files and figures from llvm-cov's exports (fixtures
written here)."""
import contextlib
import io
import json
import os
import sys
import tempfile
import unittest
from unittest import mock

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "lib"))
from vrsim import common, coverage, coverage_summary, targets  # noqa: E402

TOP = "/src/vrsim"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return path


def fake_build(d):
    write(os.path.join(d, "fuzz", "targets.tsv"),
          "fuzz_sim\tcore\tfuzz_sim\t-\nfuzz_empty\tbaseline\t-\t-\n"
          "fuzz_linux_sim-6.1\tlinux\tfuzz_linux_sim\t6.1\n"
          "fuzz_linux_device-6.12\tlinux\tfuzz_linux_device\t6.12\n")
    write(os.path.join(d, "CMakeCache.txt"), "VRSIM_LINUX_VERSIONS:INTERNAL=6.1;6.12\n"
          "VRSIM_LINUX_DEVICE_VERSIONS:INTERNAL=6.12\n")
    return d


def kernel_tree(d, version, patchlevel):
    write(os.path.join(d, "Makefile"), "# SPDX\nVERSION = %d\nPATCHLEVEL = %d\nSUBLEVEL = 3\n"
          % (version, patchlevel))
    return d


def summary(lines, functions=(1, 2), regions=(1, 2), branches=(0, 0)):
    return {k: {"covered": c, "count": n} for k, (c, n) in
            (("lines", lines), ("functions", functions), ("regions", regions),
             ("branches", branches))}


def export(files, totals=None):
    return {"data": [{"files": [{"filename": f, "summary": s} for f, s in files],
                      "totals": totals or {}}]}


class Options(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.build = fake_build(os.path.join(self.tmp.name, "build"))
        self.campaign = os.path.join(self.tmp.name, "campaign")
        os.makedirs(os.path.join(self.campaign, "corpus"))
        p = mock.patch.object(targets, "configured_builds", return_value=[self.build])
        p.start()
        self.addCleanup(p.stop)

    def tearDown(self):
        self.tmp.cleanup()

    def parse(self, *argv):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                o = coverage.parse_args(list(argv))
                status = None
            except common.Exit as ex:
                o, status = None, ex.status
        return o, status, out.getvalue(), err.getvalue()

    def test_help(self):
        _, status, out, _ = self.parse("--help")
        self.assertEqual(status, 0)
        self.assertTrue(out.startswith("usage: scripts/coverage [--targets LIST] [--out DIR] [CAMPAIGN_DIR]\n"))
        self.assertIn("Exit status: 0, 1 when an input raised a finding", out)

    def test_a_campaigns_coverage_goes_beside_it_unless_taken(self):
        o, status, _, _ = self.parse(self.campaign)
        self.assertIsNone(status)
        self.assertEqual(o.out, os.path.join(self.campaign, "coverage"))
        os.makedirs(os.path.join(self.campaign, "coverage", "html"))
        o, _, _, _ = self.parse(self.campaign)
        self.assertTrue(os.path.basename(o.out).startswith("coverage-"), o.out)
        o, _, _, _ = self.parse()
        self.assertTrue(os.path.basename(o.out).startswith("coverage-"), o.out)

    def test_usage_errors(self):
        out = os.path.join(self.tmp.name, "out")
        for argv, says in ((["--no-such-flag"], "unknown option '--no-such-flag'"),
                           (["--targets"], "--targets needs a value"),
                           (["--out"], "--out needs a value"),
                           ([self.campaign, self.campaign], "one campaign dir at most"),
                           (["/nonexistent"], "'/nonexistent' is not a campaign dir (no corpus/ in it)"),
                           (["--targets", "fuzz_sim,fuzz_nope"],
                            "unknown target 'fuzz_nope' (available: fuzz_sim,fuzz_linux_sim-6.1,"
                            "fuzz_linux_device-6.12)"),
                           (["--targets=fuzz_linux_sims"], "unknown target 'fuzz_linux_sims'"),
                           (["--out", self.tmp.name], "out dir '%s' exists and is not empty" % self.tmp.name),
                           (["--out=" + self.campaign + "/corpus/..", "--out", out, "x", "y"],
                            "one campaign dir at most")):
            _, status, _, err = self.parse(*argv)
            self.assertEqual(status, 2, argv)
            self.assertIn(says, err)
            self.assertIn("--help'.", err)

    def test_a_device_side_without_vringh_is_left_to_the_build(self):
        o, status, _, _ = self.parse("--targets", "fuzz_linux_device-6.1,fuzz_linux_sim",
                                     "--out", os.path.join(self.tmp.name, "new"))
        self.assertIsNone(status)
        self.assertEqual(o.targets, ["fuzz_linux_device-6.1", "fuzz_linux_sim"])
        err = io.StringIO()
        with contextlib.redirect_stderr(err), self.assertRaises(common.Exit) as ex:
            coverage.unknown_target(targets.Unknown("fuzz_linux_device-6.1: no device side"),
                                    self.build)
        self.assertEqual(ex.exception.status, common.DIE_STATUS)

    def test_values(self):
        o, status, _, _ = self.parse("--targets=fuzz_sim", "--out", os.path.join(self.tmp.name, "o"),
                                     self.campaign)
        self.assertIsNone(status)
        self.assertEqual((o.targets, o.out, o.src),
                         (["fuzz_sim"], os.path.join(self.tmp.name, "o"), self.campaign))
        o, _, _, _ = self.parse()
        self.assertIsNone(o.targets)
        self.assertRegex(o.out, r"/out/coverage-\d{8}T\d{6}Z$")


class Table(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.k612 = kernel_tree(os.path.join(self.tmp.name, "linux", "a", "tree"), 6, 12)
        self.k61 = kernel_tree(os.path.join(self.tmp.name, "linux", "b", "tree"), 6, 1)

    def tearDown(self):
        self.tmp.cleanup()

    def files(self):
        return [(TOP + "/dma/map.c", summary((3, 4), branches=(1, 2))),
                (TOP + "/dma/iommu.c", summary((1, 4), branches=(1, 2))),
                (TOP + "/ring/split.c", summary((10, 10))),
                (self.k612 + "/drivers/vhost/vringh.c", summary((5, 10))),
                (self.k612 + "/drivers/virtio/virtio_ring.c", summary((7, 10))),
                (self.k61 + "/drivers/virtio/virtio_ring.c", summary((2, 10)))]

    def test_groups_and_rows(self):
        groups = coverage_summary.group_totals([{"filename": f, "summary": s} for f, s in self.files()], TOP)
        self.assertEqual(groups["dma/"]["lines"], [4, 8])
        self.assertEqual(groups["linux-6.12/vringh/"]["lines"], [5, 10])
        self.assertEqual(groups["total"]["lines"], [28, 48])
        lines, figures = coverage_summary.table(groups)
        self.assertEqual([ln.split()[0] for ln in lines[1:]],
                         ["dma/", "ring/", "linux-6.1/", "linux-6.12/", "linux-6.12/vringh/", "total"])
        self.assertEqual(lines[0], " " * 18 + " " + "%18s %18s %18s %18s" % coverage_summary.KINDS)
        self.assertEqual(lines[1], "dma/                 50.0%     4/8       50.0%     2/4   "
                         "    50.0%     2/4       50.0%     2/4    ")
        self.assertEqual(figures["ring/"]["lines"], {"covered": 10, "count": 10, "percent": 100.0})
        self.assertEqual(figures["linux-6.1/"]["branches"], {"covered": 0, "count": 0, "percent": 0.0})

    def test_kernel_order(self):
        self.assertEqual(sorted(["linux-6.12/", "linux-6.1/iotlb/", "linux-6.1/", "linux-6.1/vringh/"],
                                key=coverage_summary.kernel_key),
                         ["linux-6.1/", "linux-6.1/vringh/", "linux-6.1/iotlb/", "linux-6.12/"])

    def test_kernel_group(self):
        self.assertEqual(coverage_summary.kernel_group(self.k61 + "/drivers/vhost/iotlb.c"), "linux-6.1/iotlb/")
        self.assertIsNone(coverage_summary.kernel_group(TOP + "/kernel/shim.c"))

    def test_target_kernel(self):
        self.assertEqual(coverage.target_kernel("fuzz_linux_sim-6.12", "6.1"), "6.12")
        self.assertEqual(coverage.target_kernel("fuzz_linux_devsim", "6.1"), "6.1")
        self.assertIsNone(coverage.target_kernel("fuzz_sim", "6.1"))

    def test_line_runs(self):
        self.assertEqual(coverage_summary.line_runs([3, 4, 5, 9, 11, 12]), ["3-5", "9", "11-12"])
        self.assertEqual(coverage_summary.line_runs([]), [])


VRINGH = """\
static int slow_copy(void)
{
	return 0;
}
int vringh_getdesc_iotlb(struct vringh *vrh)
{
	if (vrh->use_va) {
		a();
		b();
	} else {
		c();
	}
}
int vringh_getdesc_kern(void)
{
	return 1;
}
static int __vringh_iov(void)
{
	return 2;
}
"""


def lcov(src, fns, da, brda=()):
    rows = ["SF:%s" % src] + ["FN:%d,%s" % f for f in fns]
    rows += ["FNDA:%d,%s" % (next(hits for n, hits in da if n >= line), name) for line, name in fns]
    rows += ["DA:%d,%d" % d for d in da] + ["BRDA:%d,0,%d,%s" % b for b in brda]
    return "\n".join(rows + ["end_of_record"]) + "\n"


class Kernels(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = self.tmp.name
        self.src = write(os.path.join(self.out, "tree", "drivers", "vhost", "vringh.c"), VRINGH)
        fns = [(1, "slow_copy"), (5, "vringh.c:vringh_getdesc_iotlb"), (14, "vringh_getdesc_kern"),
               (18, "__vringh_iov")]
        da = [(2, 0), (3, 0), (6, 1), (7, 1), (8, 0), (9, 0), (11, 1), (15, 0), (16, 0), (19, 4), (20, 4)]
        write(os.path.join(self.out, "linux-6.12-vringh.lcov"), lcov(self.src, fns, da))
        write(os.path.join(self.out, "linux-6.12.lcov"),
              lcov("/t/drivers/virtio/virtio_ring.c", [(1, "vring_new")], [(1, 0), (2, 0), (4, 3)]))

    def tearDown(self):
        self.tmp.cleanup()

    def test_vringh_flavours(self):
        src, da, fns, missed = coverage_summary.lcov_lines(
            common.read(os.path.join(self.out, "linux-6.12-vringh.lcov")))
        self.assertEqual(missed, ["slow_copy", "vringh_getdesc_kern"])
        fl = coverage_summary.vringh_flavours(da, fns, VRINGH)
        self.assertEqual({n: f[0] for n, f in fl.items()},
                         {2: "user", 3: "user", 6: "iotlb", 7: "iotlb", 8: "use_va", 9: "use_va",
                          11: "iotlb", 15: "kern", 16: "kern", 19: "core", 20: "core"})
        figures = coverage_summary.flavour_figures(fl)
        self.assertEqual(figures["driven"], {"covered": 5, "count": 7, "percent": 71.4})
        self.assertEqual(figures["fuzzed"], {"covered": 5, "count": 5, "percent": 100.0})
        self.assertEqual(coverage_summary.flavour_line("linux-6.12/vringh/", figures),
                         "linux-6.12/vringh/ lines (lcov): driven (no _user, no use_va) 71.4% 5/7, "
                         "fuzzed (_iotlb and core) 100.0% 5/5; core 2/2, iotlb 3/3, kern 0/2, "
                         "user 0/2, use_va 0/2")

    def test_missed_files(self):
        figures = {}
        printed = coverage_summary.kernel_missed(self.out, figures)
        self.assertEqual(printed[:2], [
            "linux-6.12/: 1 functions never entered, 2 lines never run (linux-6.12.missed.txt)",
            "linux-6.12/vringh/: 2 functions never entered, 6 lines never run (linux-6.12.missed.txt)"])
        self.assertTrue(printed[2].startswith("linux-6.12/vringh/ lines (lcov): driven"))
        self.assertEqual(figures["linux-6.12/"], {"missed_functions": ["vring_new"],
                                                  "missed_lines": ["1-2"]})
        self.assertEqual(figures["linux-6.12/vringh/"]["missed_lines"], ["2-3", "8-9", "15-16"])
        text = common.read(os.path.join(self.out, "linux-6.12.missed.txt"))
        self.assertTrue(text.startswith("== drivers/virtio/virtio_ring.c\nfunctions never entered (1):\n"
                                        "  vring_new\nlines never run (2), by run:\n  1-2\n\n"
                                        "== drivers/vhost/vringh.c\n"))
        self.assertIn("  kern   vringh_getdesc_kern          15-16\n", text)
        self.assertIn("  use_va vringh_getdesc_iotlb         8-9\n", text)


class Core(unittest.TestCase):
    def test_missed_core(self):
        text = lcov(TOP + "/ring/split.c", [(1, "f")], [(1, 1), (2, 0), (3, 0), (5, 1)],
                    [(1, 0, "1"), (1, 1, "0"), (2, 0, "-"), (2, 1, "-"), (5, 0, "3")])
        text += lcov(TOP + "/dma/map.c", [(1, "g")], [(1, 2)], [(1, 0, "2")])
        self.assertEqual(coverage_summary.core_missed(text, TOP).split("\n")[2:], [
            "",
            "ring/split.c: 2 of 4 lines never run, 3 of 5 branches never taken",
            "  lines: 2-3",
            "  branches: 1 2*2",
            ""])


class Summarize(unittest.TestCase):
    def test_files_and_figures(self):
        with tempfile.TemporaryDirectory() as out:
            write(os.path.join(out, "export.json"), json.dumps(export(
                [(TOP + "/dma/map.c", summary((3, 4))), (TOP + "/sim/sim.c", summary((1, 4)))])))
            write(os.path.join(out, "core.lcov"), lcov(TOP + "/sim/sim.c", [(1, "f")], [(1, 1)]))
            t = write(os.path.join(out, "profiles", "fuzz_sim.export.json"), json.dumps(export(
                [], {"lines": {"covered": 2, "count": 3}, "branches": {"covered": 0, "count": 0}})))
            stdout = io.StringIO()
            with contextlib.redirect_stdout(stdout):
                coverage_summary.summarize(out, TOP, [("fuzz_sim", t)])
            text = common.read(os.path.join(out, "summary.txt"))
            self.assertEqual(stdout.getvalue(), text)
            self.assertEqual(text.split("\n")[1:], [
                "dma/         75.0%     3/4       50.0%     1/2       50.0%     1/2        0.0%     0/0    ",
                "sim/         25.0%     1/4       50.0%     1/2       50.0%     1/2        0.0%     0/0    ",
                "total        50.0%     4/8       50.0%     2/4       50.0%     2/4        0.0%     0/0    ",
                "each target alone (all sources above): lines, branches",
                "  fuzz_sim                   66.7%     2/3         0.0%     0/0    ",
                ""])
            figures = json.loads(common.read(os.path.join(out, "summary.json")))
            self.assertEqual(list(figures), ["dma/", "sim/", "total", "targets"])
            self.assertEqual(figures["targets"]["fuzz_sim"]["lines"]["percent"], 66.7)
            self.assertEqual(common.read(os.path.join(out, "missed-core.txt")).count("\n"), 2)

    def test_profiles_of_a_plain_name_are_its_own(self):
        with tempfile.TemporaryDirectory() as out:
            for n in ("fuzz_linux_sim-12.profraw", "fuzz_linux_sim-6.1-13.profraw",
                      "fuzz_linux_sim-6.1-14.profraw", "summary-15.profraw"):
                write(os.path.join(out, "profiles", n), "")
            self.assertEqual([os.path.basename(p) for p in coverage.profiles(out, "fuzz_linux_sim")],
                             ["fuzz_linux_sim-12.profraw"])
            self.assertEqual(len(coverage.profiles(out, "fuzz_linux_sim-6.1")), 2)

    def test_objects(self):
        self.assertEqual(coverage.objects_args(["a", "b", "c"]), ["a", "-object", "b", "-object", "c"])


if __name__ == "__main__":
    unittest.main()
