#!/usr/bin/env python3
"""vrsim/plots.py: gnuplot draws the reports' plots. gnuplot is installed
by the commands (gnuplot-nox): the drawing is checked, never skipped."""
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "lib"))
from vrsim import plots  # noqa: E402


def run_plot(stem="run-x"):
    axis, div = plots.run_axis(60)
    return plots.Plot(stem, "x: libfuzzer", [
        plots.Series("features", [(0, 100), (30, 150), (60, 170)], "y1", plots.EDGES_COLOR),
        plots.Series("execs/s", [(1, 900), (59, 1200)], "y2", plots.SPEED_COLOR)],
        y1=("features (libFuzzer ft:)", "%g"), y2=("execs/s", "%g"), counts=True, axis=axis)


class Axes(unittest.TestCase):
    def test_run_axis_units(self):
        self.assertEqual(plots.run_axis(60)[1], 1)
        self.assertIn('set xlabel "time since the target started (s)"', plots.run_axis(60)[0])
        self.assertEqual(plots.run_axis(3600)[1], 60)
        self.assertIn('set xrange [0:60]', plots.run_axis(3600)[0])
        self.assertEqual(plots.run_axis(8 * 3600)[1], 3600)

    def test_night_axis(self):
        lines = plots.night_axis(["20261201T010000Z", "20261203T010000Z"])
        self.assertIn("set xdata time", lines)
        self.assertTrue(any(x.startswith("set xtics") for x in lines))

    def test_script_labels_both_axes(self):
        gp = run_plot().script([], [(plots.TERMINAL_SVG, "svg")])
        self.assertIn('set ylabel "features (libFuzzer ft:)"', gp)
        self.assertIn('set y2label "execs/s"', gp)
        self.assertIn('set xlabel "time since the target started (s)"', gp)
        self.assertIn("axes x1y2", gp)

    def test_empty_series_are_dropped(self):
        p = plots.Plot("p", "t", [plots.Series("a", []), plots.Series("b", [(0, 1)])])
        self.assertEqual([x.title for x in p.series], ["b"])

    def test_file_stems_are_unique_and_safe(self):
        used = set()
        self.assertEqual(plots.file_stem("fuzz_<b>", used), "fuzz__b_")
        self.assertEqual(plots.file_stem("fuzz_<b>", used), "fuzz__b_-2")


class Draw(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = os.path.join(self.tmp.name, "plots")

    def tearDown(self):
        self.tmp.cleanup()

    def test_gnuplot_draws_an_svg_with_its_script_and_data(self):
        drawn, notes, general = plots.draw(self.dir, [run_plot(), plots.Plot("empty", "e", [])])
        self.assertIsNone(general)
        self.assertIn("run-x.svg", drawn["run-x"])
        self.assertEqual(notes, {"empty": "no figures to plot yet"})
        for ext in ("svg", "gp", "dat"):
            self.assertTrue(os.path.exists(os.path.join(self.dir, "run-x." + ext)), ext)
        with open(os.path.join(self.dir, "run-x.svg")) as f:
            svg = f.read()
        self.assertIn("time since the target started (s)", svg)
        self.assertIn("execs/s", svg)
        self.assertEqual([n for n in os.listdir(self.dir) if n.startswith(plots.TMP_PREFIX)], [])

    def test_without_gnuplot(self):
        old = os.environ["PATH"]
        os.environ["PATH"] = self.tmp.name
        try:
            drawn, _, general = plots.draw(self.dir, [run_plot()])
        finally:
            os.environ["PATH"] = old
        self.assertEqual(drawn, {})
        self.assertIn("gnuplot is not installed", general)

    def test_a_failing_gnuplot_costs_its_plot_only(self):
        fake = os.path.join(self.tmp.name, "gnuplot")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\necho 'line 3: bad' >&2\nexit 1\n")
        os.chmod(fake, 0o755)
        old = os.environ["PATH"]
        os.environ["PATH"] = self.tmp.name + os.pathsep + old
        try:
            drawn, notes, general = plots.draw(self.dir, [run_plot("a"), run_plot("b")])
        finally:
            os.environ["PATH"] = old
        self.assertEqual(drawn, {})
        self.assertEqual(notes, {"a": "gnuplot failed: line 3: bad", "b": "gnuplot failed: line 3: bad"})


if __name__ == "__main__":
    unittest.main()
