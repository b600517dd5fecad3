"""Drawing the reports' plots with gnuplot (installed by the commands:
common.BUILD_PACKAGES): small SVGs (and PNGs when gnuplot has a PNG
terminal), each with the .gp script and .dat data that drew it, so a
figure can be checked or redrawn by hand. One gnuplot process a plot, so a
failing plot costs that plot only. Standard library only."""

import datetime
import errno
import os
import re
import shutil
import subprocess
import tempfile
import time

NIGHT_FMT = "%Y%m%dT%H%M%SZ"
TERMINAL_SVG = 'set terminal svg size 420,260 font "sans,10" noenhanced background rgb "white"'
TERMINAL_PNG = {"pngcairo": 'set terminal pngcairo size 420,260 font "sans,10" noenhanced',
                "png": 'set terminal png size 420,260 noenhanced'}
GNUPLOT_SECONDS = 60
# Temp files of a run killed with kill -9 are removed by a later run once
# this old (a younger one may belong to a report running right now).
STALE_SECONDS = 3600
TMP_PREFIX = ".report-tmp-"
EDGES_COLOR, SPEED_COLOR = "#1f5fa8", "#d9730d"


class WriteFailed(Exception):
    """A file that could not be written: exit 4."""


def write_error(path, ex):
    full = ex.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
    return WriteFailed("cannot write %s: %s%s" % (path, ex.strerror or ex,
                                                  " (disk full?)" if full else ""))


def text(v):
    return "" if v is None else str(v)


def parse_night(s):
    try:
        return datetime.datetime.strptime(s, NIGHT_FMT).replace(tzinfo=datetime.timezone.utc)
    except (TypeError, ValueError):
        return None


def remove_quietly(path):
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)
    except OSError:
        pass


def remove_stale(d):
    """Temp files a killed report left, once surely not another report's."""
    try:
        names = os.listdir(d)
    except OSError:
        return
    now = time.time()
    for n in names:
        p = os.path.join(d, n)
        try:
            if n.startswith(TMP_PREFIX) and now - os.lstat(p).st_mtime > STALE_SECONDS:
                remove_quietly(p)
        except OSError:
            pass




def file_stem(name, used):
    """A plot file name from a target name, unique among the plots."""
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", name).lstrip(".") or "target"
    base, i = stem, 2
    while stem in used:
        stem, i = "%s-%d" % (base, i), i + 1
    used.add(stem)
    return stem


def gq(s):
    """A gnuplot double-quoted string."""
    return '"%s"' % text(s).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


# Tick steps for the time axis, in seconds: the smallest that gives at
# most MAX_XTICKS labels is used (gnuplot's own choice overlaps at 420 px).
XTICK_STEPS = [60, 120, 300, 600, 900, 1800, 3600, 2 * 3600, 3 * 3600, 6 * 3600, 12 * 3600,
               86400, 2 * 86400, 7 * 86400, 14 * 86400, 28 * 86400, 91 * 86400,
               182 * 86400, 364 * 86400, 728 * 86400]
MAX_XTICKS = 6


def night_axis(nights):
    """The time axis of plots over nights, the same for all, so they line up: padded on both, so they line up: padded on both
    sides (one night is a point in the middle), ticks on whole hours or
    days, labelled as finely as the step needs."""
    ts = sorted(parse_night(n).timestamp() for n in nights)
    span = ts[-1] - ts[0]
    pad = max(span * 0.05, 30) if span else 12 * 3600
    lo, hi = ts[0] - pad, ts[-1] + pad
    step = next((x for x in XTICK_STEPS if (hi - lo) / x <= MAX_XTICKS), XTICK_STEPS[-1])
    align = step if step <= 86400 else 86400
    start = -(-lo // align) * align  # the first whole step inside the range
    if step < 86400:
        fmt = "%m-%d\\n%H:%M"
    elif step < 60 * 86400:
        fmt = "%b %d\\n%Y" if hi - lo > 300 * 86400 else "%b %d"
    else:
        fmt = "%Y-%m"

    def g(t):
        return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(NIGHT_FMT)

    return ['set xdata time', 'set timefmt "%s"' % NIGHT_FMT, 'unset xlabel',
            'set xrange ["%s":"%s"]' % (g(lo), g(hi)),
            'set format x "%s" timedate' % fmt,
            'set xtics "%s", %d nomirror' % (g(start), step), 'set mxtics default']


def run_axis(seconds):
    """The axis of plots over one run: ([gnuplot lines], divisor): minutes
    past 15 minutes, hours past 3 hours (the data is divided by it)."""
    seconds = max(1, seconds)
    div, unit = (3600, "h") if seconds > 3 * 3600 else (60, "min") if seconds > 900 else (1, "s")
    return (['set xrange [0:%g]' % (seconds / float(div)),
             'set xlabel "time since the target started (%s)"' % unit,
             'set xtics nomirror', 'set format x "%g"'], div)


class Series:
    """One line of a plot: (night, value) points on the left (y1) or the
    right (y2) axis."""

    def __init__(self, title, pts, axis="y1", color="#1f5fa8", dash=1, point=7, size=0.5):
        self.title, self.pts, self.axis = title, sorted(pts), axis
        self.color, self.dash, self.point, self.size = color, dash, point, size


class Plot:
    """One plot, drawn by its own gnuplot process (a failing plot costs
    that plot only)."""

    def __init__(self, stem, title, series, y1=("", "%g"), y2=None, style="lines", yrange=None,
                 key="top left horizontal", counts=False, axis=None):
        self.stem, self.title, self.axis = stem, title, axis
        # drop series without a single figure: gnuplot stops on an empty one
        self.series = [x for x in series if x.pts]
        self.y1, self.y2, self.style, self.yrange = y1, y2, style, yrange
        self.key, self.counts = key, counts

    def count_axis(self, axis):
        """For a count (edges, execs/s) that barely moves, whole ticks:
        autoscale would label 1457.5 edges."""
        vals = [v for x in self.series if x.axis == axis for _, v in x.pts]
        if not self.counts or not vals or max(vals) - min(vals) >= 10:
            return []
        lo, hi = min(vals), max(vals)
        name = "y" if axis == "y1" else "y2"
        step = 1 if hi - lo < 5 else 2
        return ["set %srange [%d:%d]" % (name, int(lo) - 3, int(hi) + 3),
                "set %stics %d" % (name, step)]

    def data(self):
        """One block a series (gnuplot's "index"), oldest night first."""
        blocks = ["\n".join(["# %s" % x.title] + ["%s %s" % (n, repr(v)) for n, v in x.pts])
                  for x in self.series]
        return "\n\n\n".join(blocks) + "\n"

    def script(self, axis, terminals):
        body = list(self.axis or axis) + ['set title %s' % gq(self.title), 'set grid ytics lc rgb "#e0e0e0"',
                       'set ylabel %s' % gq(self.y1[0]), 'set format y "%s"' % self.y1[1],
                       'set ytics nomirror', 'set offsets 0, 0, graph 0.1, graph 0.1']
        two = self.y2 is not None and any(x.axis == "y2" for x in self.series)
        if two:
            # each axis labelled in its line's colour, so no key is needed
            # to tell them apart
            c1 = next((x.color for x in self.series if x.axis == "y1"), "black")
            c2 = next(x.color for x in self.series if x.axis == "y2")
            body += ['set ylabel textcolor rgb "%s"' % c1, 'set ytics textcolor rgb "%s"' % c1,
                     'set y2label %s textcolor rgb "%s"' % (gq(self.y2[0]), c2),
                     'set format y2 "%s"' % self.y2[1],
                     'set y2tics nomirror textcolor rgb "%s"' % c2, 'set border 11']
            body += self.count_axis("y2")
        else:
            body.append("set border 3")
        body += self.count_axis("y1")
        if self.yrange:
            body.append("set yrange [%s]" % self.yrange)
        if self.style == "impulses":
            # counts of findings: from zero, whole ticks while they are few
            body.append("set offsets 0, 0, graph 0.1, 0")
            if max(v for x in self.series for _, v in x.pts) < 10:
                body.append("set ytics 1")
        if len(self.series) > (2 if two else 1):
            body.append('set key %s font ",8" samplen 2' % self.key)
        else:
            body.append("unset key")
        plots = []
        for i, x in enumerate(self.series):
            if self.style == "impulses":
                how = "with impulses lw 4"
            elif len(x.pts) <= 60:
                how = "with linespoints pt %d ps %g lw 1.5" % (x.point, x.size)  # one night: a point
            else:
                how = "with lines lw 1.5"
            plots.append('"%s.dat" index %d using 1:2 axes x1%s %s lc rgb "%s" dt %d title %s'
                         % (self.stem, i, x.axis, how, x.color, x.dash, gq(x.title)))
        out = []
        for term, ext in terminals:
            out += ["reset", term, 'set output "%s.%s"' % (self.stem, ext)] + body
            out += ["plot " + ", \\\n     ".join(plots), "unset output"]
        return "\n".join(out) + "\n"


def png_terminal(gnuplot):
    """pngcairo, else png, else None: from the terminals this gnuplot has."""
    try:
        p = subprocess.run([gnuplot, "-e", "print GPVAL_TERMINALS"], capture_output=True,
                           text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    have = set((p.stdout + p.stderr).split())
    for name in ("pngcairo", "png"):
        if name in have:
            return name
    return None


def draw(pdir, plots, axis=()):
    """Draws PLOTS into PDIR (AXIS: the x axis of those that have none of
    their own); returns ({stem: [files]}, {stem: note},
    general note). gnuplot works in a temp dir inside plots/ and what it
    drew is renamed into place, so a killed run leaves no half an SVG."""
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        return {}, {}, ("gnuplot is not installed (Debian: apt-get install gnuplot-nox): "
                        "no plots, the figures are in report.json")
    try:
        os.makedirs(pdir, exist_ok=True)
    except OSError as ex:
        raise write_error(pdir, ex)
    remove_stale(pdir)
    terminals = [(TERMINAL_SVG, "svg")]
    png = png_terminal(gnuplot)
    if png:
        terminals.append((TERMINAL_PNG[png], "png"))
    try:
        tmp = tempfile.mkdtemp(dir=pdir, prefix=TMP_PREFIX)
    except OSError as ex:
        raise write_error(pdir, ex)
    drawn, notes, hung = {}, {}, False
    try:
        for p in plots:
            if not p.series:
                notes[p.stem] = "no figures to plot yet"
                continue
            if hung:
                # one hung gnuplot would hang on every plot: the report first
                notes[p.stem] = "not drawn: gnuplot hung on an earlier plot"
                continue
            for name, content in ((p.stem + ".dat", p.data()),
                                  (p.stem + ".gp", p.script(axis, terminals))):
                try:
                    with open(os.path.join(tmp, name), "w") as f:
                        f.write(content)
                except OSError as ex:
                    raise write_error(os.path.join(pdir, name), ex)
            try:
                r = subprocess.run([gnuplot, p.stem + ".gp"], cwd=tmp, capture_output=True,
                                   text=True, timeout=GNUPLOT_SECONDS)
                err = r.stderr.strip().splitlines()
                failed = r.returncode != 0
            except subprocess.TimeoutExpired:
                failed, err, hung = True, ["gnuplot took more than %d s" % GNUPLOT_SECONDS], True
            except OSError as ex:
                failed, err = True, ["cannot run gnuplot: %s" % ex.strerror]
            svg = os.path.join(tmp, p.stem + ".svg")
            if failed or not complete(svg):
                # gnuplot exits 0 on a full disk, leaving empty files
                if any(disk_full_text(x) for x in err) or no_space(tmp):
                    raise WriteFailed("cannot write %s/%s.svg: %s (disk full?)"
                                      % (pdir, p.stem, os.strerror(errno.ENOSPC)))
                last = [x for x in err if "warning" not in x.lower()] or err or [
                    "it wrote no complete %s.svg" % p.stem]
                notes[p.stem] = "gnuplot failed: %s" % last[-1].strip()
                continue
            # a PNG gnuplot could not finish is left out, the SVG is enough
            drawn[p.stem] = [p.stem + "." + ext for _, ext in terminals
                             if complete(os.path.join(tmp, p.stem + "." + ext))]
            for f in [p.stem + ".dat", p.stem + ".gp"] + drawn[p.stem]:
                try:
                    os.replace(os.path.join(tmp, f), os.path.join(pdir, f))
                except OSError as ex:
                    raise write_error(os.path.join(pdir, f), ex)
    finally:
        remove_quietly(tmp)
    return drawn, notes, None


def disk_full_text(line):
    return "No space left" in line or "File too large" in line


def complete(path):
    """An SVG that ends with </svg>, a PNG that ends with its IEND chunk."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 64))
            tail = f.read()
    except OSError:
        return False
    return (b"</svg>" if path.endswith(".svg") else b"IEND") in tail


def no_space(d):
    try:
        st = os.statvfs(d)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < 256 * 1024


# ---------------------------------------------------------------- page
