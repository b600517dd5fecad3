#!/usr/bin/env python3
"""The report of a nightly work directory (scripts/fuzz --workdir).

usage: nightly_report.py WORKDIR

Reads WORKDIR/history.jsonl (one record a night, oldest first) and
WORKDIR/findings/TARGET/ID/finding.json, and writes WORKDIR/report.html
(one page, no JavaScript), WORKDIR/report.json and WORKDIR/plots/ (SVG
drawn by gnuplot, PNG too when gnuplot has the pngcairo or png terminal,
with the .gp scripts and .dat files that drew them).

Prints "report: WORKDIR/report.html" and exits 0 on success. Exit 2: no
work directory, or an input that cannot be read (the message names the file
and the line). Exit 4: a file that cannot be written (a full disk says so);
the previous report stays whole, since every file is written to a temp file
and renamed. Exit 130: interrupted. Without gnuplot (or when it fails) the
page says so where the plots would be; report.json is complete either way.
Standard library only.
"""
import datetime
import errno
import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

NIGHT_FMT = "%Y%m%dT%H%M%SZ"
# The coverage groups plotted over nights; every group is in report.json.
COVERAGE_GROUPS = ["ring/", "dma/", "sim/", "total"]
# Engines in the order tables and plots show them.
ENGINE_ORDER = ["libfuzzer", "afl"]
STATUS_WORDS = {0: "nothing new", 1: "new finding(s)",
                3: "only catalogued kernel findings or known ones, nothing new",
                4: "the run failed (harness failure)", 130: "interrupted, nothing new"}
STATUS_CLASS = {0: "ok", 1: "bad", 3: "warn", 4: "bad", 130: "warn"}
# The order scripts/lib/matrix.py uses; a policy or feature it does not
# list comes after these, sorted.
POLICY_ORDER = ["never", "quirk-2016", "direct-ops-2018", "direct-ops-2018-xen",
                "protected-2020", "today"]
FEATURES = ["indirect", "event-idx", "version-1", "access-platform", "packed",
            "in-order", "notification-data", "ring-reset"]
TERMINAL_SVG = 'set terminal svg size 420,260 font "sans,10" noenhanced background rgb "white"'
TERMINAL_PNG = {"pngcairo": 'set terminal pngcairo size 420,260 font "sans,10" noenhanced',
                "png": 'set terminal png size 420,260 noenhanced'}
GNUPLOT_SECONDS = 60
# Temp files of a run killed with kill -9 are removed by a later run once
# this old (a younger one may belong to a report running right now).
STALE_SECONDS = 3600
TMP_PREFIX = ".report-tmp-"


class BadInput(Exception):
    """An input the report cannot use: exit 2."""


class WriteFailed(Exception):
    """A file that could not be written: exit 4."""


class Interrupted(Exception):
    """SIGINT or SIGTERM: temp files are removed on the way out, exit 130."""


# ---------------------------------------------------------------- values
# The records are written by another script and may lack keys or hold
# null: these read what is there and give None (shown as a dash) otherwise.


def num(v):
    """A number, or None (bools are not figures)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return v


def obj(v):
    return v if isinstance(v, dict) else {}


def seq(v):
    return v if isinstance(v, list) else []


def text(v):
    return "" if v is None else str(v)


def parse_night(s):
    try:
        return datetime.datetime.strptime(s, NIGHT_FMT).replace(tzinfo=datetime.timezone.utc)
    except (TypeError, ValueError):
        return None


def night_words(s):
    """20261202T094500Z as 2026-12-02 09:45 UTC (as it is when not a night)."""
    t = parse_night(s)
    return t.strftime("%Y-%m-%d %H:%M UTC") if t else text(s)


def seconds_words(s):
    s = num(s)
    if s is None:
        return None
    s = int(s)
    if s < 120:
        return "%d s" % s
    h, m = divmod(s // 60, 60)
    return ("%dh%02dm" % (h, m) if h else "%d min" % m) + " (%d s)" % s


def fmt_int(v):
    v = num(v)
    return "\u2014" if v is None else "{:,}".format(int(round(v)))


def fmt_pct(v):
    v = num(v)
    return "\u2014" if v is None else "%.1f%%" % v


def e(v):
    """Every string that reaches the page goes through here."""
    return html.escape(text(v), quote=True)


def href(rel):
    """A relative link, quoted: a path is never read as a scheme or markup."""
    return e(urllib.parse.quote(rel, safe="/"))


# ---------------------------------------------------------------- reading


def read_history(wd):
    """The records, oldest first. A line that is not a record stops the
    report with its number, as workdir.py refuses it before a night."""
    path = os.path.join(wd, "history.jsonl")
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise BadInput("%s: missing: no night recorded yet (is %s a vrsim work directory?)"
                       % (path, wd))
    except OSError as ex:
        raise BadInput("cannot read %s: %s" % (path, ex.strerror))
    records = []
    for n, line in enumerate(raw.split(b"\n"), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line.decode("utf-8"))
            if not isinstance(rec, dict) or "night" not in rec:
                raise ValueError("not a night's record (no \"night\")")
            if parse_night(rec["night"]) is None:
                raise ValueError("night %r is not a time like 20261202T094500Z" % (rec["night"],))
        except UnicodeDecodeError:
            raise BadInput("%s: line %d is not a JSON record: not UTF-8 text" % (path, n))
        except ValueError as ex:
            raise BadInput("%s: line %d is not a JSON record: %s" % (path, n, ex))
        records.append(rec)
    if not records:
        raise BadInput("%s: no night recorded yet (the file is empty)" % path)
    return records


def read_findings(wd):
    """Every finding.json, with the directory it is in (relative to WD).
    A directory without one (a run killed while writing it) is counted and
    skipped, as workdir.py keeps it to be triaged again."""
    root = os.path.join(wd, "findings")
    found, incomplete = [], 0
    try:
        targets = sorted(os.listdir(root)) if os.path.isdir(root) else []
        for t in targets:
            tdir = os.path.join(root, t)
            for fid in sorted(os.listdir(tdir)) if os.path.isdir(tdir) else []:
                if fid.startswith(".") or not os.path.isdir(os.path.join(tdir, fid)):
                    continue
                path = os.path.join(tdir, fid, "finding.json")
                meta = read_finding(path)
                if meta is None:
                    incomplete += 1
                    continue
                found.append((os.path.join("findings", t, fid), meta))
    except OSError as ex:
        raise BadInput("cannot read %s: %s" % (ex.filename or root, ex.strerror))
    return found, incomplete


def read_finding(path):
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        return None
    except OSError as ex:
        raise BadInput("cannot read %s: %s" % (path, ex.strerror))
    try:
        meta = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadInput("%s: not UTF-8 text" % path)
    except json.JSONDecodeError as ex:
        raise BadInput("%s: line %d is not valid JSON: %s" % (path, ex.lineno, ex.msg))
    if not isinstance(meta, dict):
        raise BadInput("%s: line 1 is not a finding record (not a JSON object)" % path)
    return meta


# ---------------------------------------------------------------- figures


def engines_of(trec):
    """A target's engines in a fixed order: libfuzzer, afl, then any other."""
    per = obj(trec.get("engines"))
    names = [x for x in ENGINE_ORDER if x in per] + sorted(x for x in per if x not in ENGINE_ORDER)
    return [(x, obj(per[x])) for x in names]


def all_targets(records):
    names = set()
    for r in records:
        names.update(obj(r.get("targets")))
    return sorted(names)


def trend(records):
    """Per target, one point a night it ran. edges and execs_per_sec are
    libFuzzer's when it ran, else the other engine's (the engines count
    edges differently: never added up); "engines" holds each engine's."""
    out = {}
    for t in all_targets(records):
        points = []
        for r in records:
            trec = obj(r.get("targets")).get(t)
            if not isinstance(trec, dict):
                continue
            engines = engines_of(trec)
            first = engines[0][1] if engines else {}
            points.append({
                "night": r["night"],
                "engine": engines[0][0] if engines else None,
                "edges": num(first.get("edges")),
                "execs_per_sec": num(first.get("execs_per_sec")),
                "execs": num(first.get("execs")),
                "corpus": num(trec.get("corpus")),
                "lines_percent": num(obj(trec.get("lines")).get("percent")),
                "engines": {x: {k: num(v.get(k)) for k in ("execs", "execs_per_sec", "edges")}
                            for x, v in engines},
            })
        out[t] = points
    return out


def coverage_trend(records):
    """One point a night: each group's line coverage % under its own name
    ("ring/", "dma/", "sim/", "total", and any other group the night had),
    null when the night had no coverage report (--no-coverage, or it
    failed); "branches" holds the branch % by group."""
    out = []
    for r in records:
        cov = obj(r.get("coverage"))
        point = {"night": r["night"]}
        point.update({g: None for g in COVERAGE_GROUPS})
        point.update({g: num(obj(obj(v).get("lines")).get("percent")) for g, v in cov.items()
                      if g not in ("night", "branches")})
        point["branches"] = {g: num(obj(obj(v).get("branches")).get("percent"))
                             for g, v in cov.items()}
        out.append(point)
    return out


def finding_records(found, last):
    """finding.json objects, newest first seen first, with new_tonight and
    seen_tonight. A finding's own first_seen and last_seen say it: an id
    is unique only within its target (the same bug in two targets has one
    id), and history lists a night's findings by id alone. The lists
    decide only for a finding that lacks those dates; "TARGET/ID" or the
    key match there too."""
    night = last["night"]
    fl = obj(last.get("findings"))
    new = set(text(x) for x in seq(fl.get("new")))
    seen = new | set(text(x) for x in seq(fl.get("known")))
    out = []
    for rel, meta in found:
        f = dict(meta)
        target, fid = rel.split(os.sep)[-2:]
        names = {text(meta.get("id")), text(meta.get("key")), fid, target + "/" + fid} - {""}
        first, lastseen = meta.get("first_seen"), meta.get("last_seen")
        f["new_tonight"] = first == night if parse_night(first) else bool(names & new)
        # a catalogued kernel finding is known, whenever first seen
        f["new_tonight"] = f["new_tonight"] and not isinstance(meta.get("catalogue"), dict)
        f["seen_tonight"] = lastseen == night if parse_night(lastseen) else bool(names & seen)
        f["dir"] = rel
        out.append(f)
    # newest first night first, then target and id
    out.sort(key=lambda f: (text(f.get("target")), text(f.get("id"))))
    out.sort(key=lambda f: text(f.get("first_seen")), reverse=True)
    return out


def findings_by_night(findings, records):
    """How many findings each night saw first (every night, zeros too)."""
    counts = {r["night"]: 0 for r in records}
    for f in findings:
        n = text(f.get("first_seen"))
        if parse_night(n):
            counts[n] = counts.get(n, 0) + 1
    return [{"night": n, "count": counts[n]} for n in sorted(counts)]


# ---------------------------------------------------------------- files


def umask():
    old = os.umask(0)
    os.umask(old)
    return old


UMASK = umask()


def disk_full(ex):
    return ex.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)


def write_error(path, ex):
    return WriteFailed("cannot write %s: %s%s" % (path, ex.strerror or ex,
                                                  " (disk full?)" if disk_full(ex) else ""))


def write_temp(path, data):
    """DATA into a temp file next to PATH (same file system, so the rename
    that follows is atomic); returns the temp file's name."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=TMP_PREFIX)
    try:
        os.fchmod(fd, 0o666 & ~UMASK)  # readable like any file the user writes
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException as ex:
        remove_quietly(tmp)
        if isinstance(ex, OSError):
            raise write_error(path, ex)
        raise
    return tmp


def install(pairs):
    """Rename every (temp, final) pair; all temps were written first, so a
    full disk leaves the previous report.json and report.html both whole."""
    for tmp, path in pairs:
        try:
            os.replace(tmp, path)
        except OSError as ex:
            raise write_error(path, ex)


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


# ---------------------------------------------------------------- plots


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


def x_axis(nights):
    """The time axis every plot shares, so they line up: padded on both
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

    return ['set xdata time', 'set timefmt "%s"' % NIGHT_FMT,
            'set xrange ["%s":"%s"]' % (g(lo), g(hi)),
            'set format x "%s" timedate' % fmt,
            'set xtics "%s", %d nomirror' % (g(start), step), 'set mxtics default']


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
                 key="top left horizontal", counts=False):
        self.stem, self.title = stem, title
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
        body = axis + ['set title %s' % gq(self.title), 'set grid ytics lc rgb "#e0e0e0"',
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


EDGES_COLOR, SPEED_COLOR = "#1f5fa8", "#d9730d"
COVERAGE_COLORS = {"ring/": "#1f5fa8", "dma/": "#d9730d", "sim/": "#2e8b57", "total": "#333333"}


def target_plots(tr, used):
    """One small plot a target, on its own scale so a small target is not
    flattened: edges on the left axis, execs/s on the right; with two
    engines, one line each (they count edges their own way), AFL dashed."""
    plots = {}
    for t, points in tr.items():
        engines = []
        for p in points:
            engines += [x for x in p["engines"] if x not in engines]
        series = []
        for i, x in enumerate(engines):
            label = " " + x if len(engines) > 1 else ""
            # filled marks for edges, larger open ones for execs/s: with one
            # night both sit mid-plot, one around the other
            for key, title, ax, color, pt, ps in (
                    ("edges", "edges", "y1", EDGES_COLOR, (7, 5)[i % 2], 0.5),
                    ("execs_per_sec", "execs/s", "y2", SPEED_COLOR, (6, 4)[i % 2], 1.1)):
                pts = [(p["night"], p["engines"][x][key]) for p in points
                       if x in p["engines"] and p["engines"][x][key] is not None]
                series.append(Series(title + label, pts, ax, color, dash=1 + i, point=pt, size=ps))
        one = " (%s)" % engines[0] if len(engines) == 1 else ""
        plots[t] = Plot("target-" + file_stem(t, used), t + one, series,
                        y1=("edges", "%g"), y2=("execs/s", "%g"), key="below horizontal",
                        counts=True)
    return plots


def coverage_plot(ct):
    series = [Series(g, [(c["night"], c[g]) for c in ct if c.get(g) is not None], "y1",
                     COVERAGE_COLORS[g], point=7) for g in COVERAGE_GROUPS]
    return Plot("coverage", "source line coverage", series, y1=("% lines", "%g%%"),
                key="outside right top vertical")


def findings_plot(by_night):
    pts = [(b["night"], b["count"]) for b in by_night]
    return Plot("findings", "findings by first night seen",
                [Series("first seen", pts, color="#c0392b")] if any(c for _, c in pts) else [],
                y1=("findings", "%g"), style="impulses", yrange="0:*")


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


def draw(wd, plots, axis):
    """Draws PLOTS into WD/plots; returns ({stem: [files]}, {stem: note},
    general note). gnuplot works in a temp dir inside plots/ and what it
    drew is renamed into place, so a killed run leaves no half an SVG."""
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        return {}, {}, ("gnuplot is not installed (Debian: apt-get install gnuplot-nox): "
                        "no plots, the figures are in report.json")
    pdir = os.path.join(wd, "plots")
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

CSS = """
body { font: 14px/1.4 sans-serif; margin: 1.5em auto; max-width: 1300px; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
h3 { margin: 1.2em 0 .3em; font-size: 1.05em; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { border: 1px solid #ccc; padding: 2px 7px; vertical-align: top; }
th { background: #f2f2f2; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.kv th { width: 11em; }
tr.new td { background: #ffe3e0; }
.badge { padding: 1px 7px; border-radius: 3px; font-weight: bold; }
.ok { background: #d9f2d9; } .warn { background: #fff0c2; } .bad { background: #ffd0c9; }
.note { color: #777; font-style: italic; border: 1px dashed #bbb; padding: 1em;
        display: inline-block; width: 390px; }
.plots { display: flex; flex-wrap: wrap; gap: 8px; }
code { font-size: 12px; word-break: break-all; }
td.cell { text-align: center; white-space: nowrap; } td.hit { background: #dff0d8; }
nav a { margin-right: 1em; }
"""


def plot_html(stem, drawn, notes, general):
    """The SVG, or a note where it would be."""
    if stem in drawn and stem + ".svg" in drawn[stem]:
        return '<img src="%s" width="420" height="260" alt="%s">' % (
            href("plots/" + stem + ".svg"), e(stem))
    why = general or notes.get(stem) or "no plot"
    return '<div class="note">plot %s: %s</div>' % (e(stem), e(why))


def table(head, rows, cls=None):
    """HEAD: header cells (strings, escaped here); ROWS: lists of cells
    already made HTML (each "<td ...>...</td>")."""
    out = ['<table%s>' % (' class="%s"' % cls if cls else "")]
    if head:
        out.append("<tr>" + "".join("<th>%s</th>" % e(h) for h in head) + "</tr>")
    out += ["<tr>%s</tr>" % "".join(r) if isinstance(r, list) else r for r in rows]
    out.append("</table>")
    return "\n".join(out)


def td(v, cls=None):
    return '<td%s>%s</td>' % (' class="%s"' % cls if cls else "", v)


def status_html(status):
    s = num(status)
    if s is None:
        return '<span class="badge warn">unknown</span>'
    words = STATUS_WORDS.get(int(s), "status %d (not one vrsim uses)" % s)
    return '<span class="badge %s">exit %d: %s</span>' % (STATUS_CLASS.get(int(s), "warn"),
                                                        int(s), e(words))


def night_section(wd, last):
    kv = []

    def row(k, v):
        kv.append("<tr><th>%s</th><td>%s</td></tr>" % (e(k), v))

    row("night", e(night_words(last["night"])) + " (<code>%s</code>)" % e(last["night"]))
    row("status", status_html(last.get("status")))
    commit = text(last.get("commit"))
    dirty = last.get("dirty")
    row("commit", ("<code>%s</code>" % e(commit) if commit else "unknown")
        + (" (with local changes)" if dirty else "")
        + (" (local changes unknown)" if dirty is None and commit else ""))
    row("engine", e(last.get("engine") or "unknown")
        + (", %s job(s)" % e(last.get("jobs")) if num(last.get("jobs")) is not None else ""))
    d = seconds_words(last.get("duration"))
    row("fuzzing time", e(d + " per target and engine" if d else "unknown"))
    b = seconds_words(last.get("budget"))
    row("budget", e(b + " for the whole run" if b else "none (a fixed time per target)"))
    row("started / ended", e("%s / %s" % (last.get("started") or "?", last.get("ended") or "?")))
    flags = []
    if last.get("interrupted"):
        flags.append("interrupted")
    if last.get("recovered"):
        flags.append("recovered: a killed run left this night; a later run finished it")
    failed = [text(x) for x in seq(last.get("failed"))]
    if failed:
        flags.append("failed: " + ", ".join(failed))
    if flags:
        row("notes", e("; ".join(flags)))
    fl = obj(last.get("findings"))
    row("findings", e("%d new, %d known seen again, %d catalogued kernel findings"
                      % (len(seq(fl.get("new"))), len(seq(fl.get("known"))),
                         len(seq(fl.get("catalogued"))))))
    cov = last.get("coverage_html")
    if cov:
        gone = "" if os.path.exists(os.path.join(wd, text(cov))) else " (no longer on disk)"
        row("source coverage", '<a href="%s">llvm-cov report of this night</a>%s'
            % (href(text(cov)), e(gone)))
    else:
        row("source coverage", "no coverage report this night")
    out = ['<h2 id="night">This night: %s</h2>' % e(night_words(last["night"])), table([], kv, "kv")]

    rows = []
    for t, trec in sorted(obj(last.get("targets")).items()):
        trec = obj(trec)
        engines = engines_of(trec) or [("\u2014", {})]
        span = len(engines)
        for i, (x, v) in enumerate(engines):
            cells = []
            if i == 0:
                cells.append('<td rowspan="%d">%s</td>' % (span, e(t)))
            cells += [td(e(x)), td(fmt_int(v.get("execs")), "n"),
                      td(fmt_int(v.get("execs_per_sec")), "n"), td(fmt_int(v.get("edges")), "n")]
            if i == 0:
                lines = obj(trec.get("lines"))
                lc = fmt_pct(lines.get("percent"))
                if num(lines.get("covered")) is not None and num(lines.get("count")) is not None:
                    lc += " (%s/%s)" % (fmt_int(lines["covered"]), fmt_int(lines["count"]))
                new, known = num(trec.get("findings_new")), num(trec.get("findings_known"))
                for v2, cls in ((fmt_int(trec.get("corpus")), "n"), (lc, "n"),
                                (fmt_int(new), "n bad" if new else "n"),
                                (fmt_int(known), "n warn" if known else "n")):
                    cells.append('<td rowspan="%d" class="%s">%s</td>' % (span, cls, v2))
            rows.append(cells)
    out.append("<h3>Targets</h3>")
    out.append(table(["target", "engine", "execs", "execs/s", "edges", "corpus",
                      "source lines", "new findings", "known findings"], rows)
               if rows else "<p>No target ran this night.</p>")

    cov = last.get("coverage")
    if isinstance(cov, dict) and cov:
        rows = []
        for g in sorted(cov, key=lambda g: (g == "total", g)):
            gv = obj(cov[g])
            cells = [td(e(g))]
            for k in ("lines", "branches"):
                c = obj(gv.get(k))
                cells.append(td("%s (%s/%s)" % (fmt_pct(c.get("percent")), fmt_int(c.get("covered")),
                                                fmt_int(c.get("count"))), "n"))
            rows.append(cells)
        out.append("<h3>Source coverage by directory</h3>")
        out.append(table(["", "lines", "branches"], rows))
    return "\n".join(out)


def trends_section(records, tplots, cplot, drawn, notes, general):
    first, last = records[0]["night"], records[-1]["night"]
    out = ['<h2 id="trends">Trends over %d night(s)</h2>' % len(records),
           "<p>From %s to %s; each target on its own scale.</p>"
           % (e(night_words(first)), e(night_words(last)))]
    out.append("<h3>Source line coverage</h3>")
    out.append('<div class="plots">%s</div>' % plot_html(cplot.stem, drawn, notes, general))
    out.append("<h3>Each target: edges (left axis) and execs/s (right axis)</h3>")
    out.append('<div class="plots">%s</div>' % "\n".join(
        plot_html(p.stem, drawn, notes, general) for _, p in sorted(tplots.items())))
    return "\n".join(out)


def file_link(wd, rel, name, label):
    """A link to a finding's file when the name is set and the file is there."""
    if not name or os.path.basename(text(name)) != text(name):
        return "\u2014"
    path = os.path.join(rel, text(name))
    if not os.path.exists(os.path.join(wd, path)):
        return e(label + " (missing)")
    return '<a href="%s">%s</a>' % (href(path), e(label))


def findings_section(wd, findings, by_night, incomplete, fplot, drawn, notes, general):
    out = ['<h2 id="findings">Findings: %d remembered</h2>' % len(findings)]
    new = sum(1 for f in findings if f["new_tonight"])
    if new:
        out.append('<p><span class="badge bad">%d new this night</span> (highlighted)</p>' % new)
    if incomplete:
        out.append("<p>%d finding director%s without finding.json (a run killed while writing "
                   "it; the next night triages it again).</p>"
                   % (incomplete, "y" if incomplete == 1 else "ies"))
    out.append("<h3>Findings by first night seen</h3>")
    rows = [[td(e(night_words(b["night"]))), td(fmt_int(b["count"]), "n")]
            for b in reversed(by_night) if b["count"]]
    out.append('<div class="plots">%s<div>%s</div></div>' % (
        plot_html(fplot.stem, drawn, notes, general),
        table(["first seen", "findings"], rows) if rows else "<p>None yet.</p>"))
    if not findings:
        return "\n".join(out)
    rows = []
    for f in findings:
        rel = f["dir"]
        mark = ' <span class="badge bad">NEW</span>' if f["new_tonight"] else (
            " (seen again this night)" if f.get("seen_tonight") else "")
        size = num(f.get("size"))
        inp = file_link(wd, rel, f.get("input"), "input")
        if size is not None and inp != "\u2014":
            inp += " (%s bytes%s)" % (fmt_int(size), ", minimised" if f.get("minimized") else "")
        cat = f.get("catalogue")
        if isinstance(cat, dict):
            mark += ' <span class="badge warn">known kernel finding: %s (%s)</span>' % (
                e(text(cat.get("title"))), e(text(cat.get("path"))))
        cells = [td(e(f.get("target"))), td(e(f.get("kind"))), td(e(f.get("message")) + mark),
                 td(e(night_words(f.get("first_seen")))), td(e(night_words(f.get("last_seen")))),
                 td(fmt_int(f.get("nights")), "n"), td(fmt_int(f.get("count")), "n"),
                 td(inp), td(file_link(wd, rel, f.get("decoded"), "decoded")),
                 td("<code>%s</code>" % e(f.get("reproduce")) if f.get("reproduce") else "\u2014")]
        rows.append('<tr%s>%s</tr>' % (' class="new"' if f["new_tonight"] else "", "".join(cells)))
    out.append("<h3>Every finding, newest first seen first</h3>")
    out.append(table(["target", "kind", "message", "first seen", "last seen", "nights", "count",
                      "input", "program", "reproduce"], rows))
    return "\n".join(out)


def ordered(seen, preferred):
    return [x for x in preferred if x in seen] + sorted(seen - set(preferred))


def matrix_section(last):
    m = last.get("matrix")
    out = ['<h2 id="matrix">Platform x policy x layout reached this night</h2>']
    if not isinstance(m, dict):
        out.append("<p>No matrix this night (the coverage step was skipped or failed).</p>")
        return "\n".join(out)
    out.append("<p>Inputs of the night's corpus that reached each combination "
               "(the device used at least one buffer).</p>")
    inputs, reached = obj(m.get("inputs")), obj(m.get("reached"))
    if inputs or reached:
        rows = [[td(e(t)), td(fmt_int(reached.get(t, 0)), "n"), td(fmt_int(inputs.get(t)), "n")]
                for t in sorted(set(inputs) | set(reached))]
        out.append(table(["target", "inputs that reached one", "inputs"], rows))
    cells = [c for c in seq(m.get("platform_policy_layout")) if isinstance(c, dict)]
    if cells:
        count = {}
        for c in cells:
            k = (text(c.get("platform")), text(c.get("policy")), text(c.get("layout")))
            count[k] = count.get(k, 0) + (num(c.get("inputs")) or 0)
        plats = sorted({k[0] for k in count})
        pols = ordered({k[1] for k in count}, POLICY_ORDER)
        layouts = ordered({k[2] for k in count}, ["split", "packed"])
        rows = []
        for p in plats:
            r = [td(e(p))]
            for pol in pols:
                v = [count.get((p, pol, lay), 0) for lay in layouts]
                r.append(td("/".join(fmt_int(x) for x in v) if any(v) else ".",
                            "cell hit" if any(v) else "cell"))
            rows.append(r)
        out.append("<h3>platform x policy: inputs, %s</h3>" % e("/".join(layouts)))
        out.append(table(["platform"] + pols, rows))
        out.append("<p>%d platform x policy x layout combination(s) reached.</p>"
                   % sum(1 for v in count.values() if v))
    feats = [c for c in seq(m.get("platform_feature")) if isinstance(c, dict)]
    paths = [c for c in seq(m.get("platform_path")) if isinstance(c, dict)]
    if feats or paths:
        fc = {(text(c.get("platform")), text(c.get("feature"))): num(c.get("inputs")) or 0
              for c in feats}
        pc = {(text(c.get("platform")), text(c.get("path"))): num(c.get("inputs")) or 0 for c in paths}
        fcols = ordered({k[1] for k in fc}, FEATURES)
        pcols = ordered({k[1] for k in pc}, ["dma-api", "phys"])
        rows = []
        for p in sorted({k[0] for k in fc} | {k[0] for k in pc}):
            r = [td(e(p))]
            r += [td(fmt_int(fc[(p, c)]) if fc.get((p, c)) else ".", "cell") for c in fcols]
            r += [td(fmt_int(pc[(p, c)]) if pc.get((p, c)) else ".", "cell") for c in pcols]
            rows.append(r)
        out.append("<h3>platform x negotiated feature and DMA path: inputs</h3>")
        out.append(table(["platform"] + fcols + pcols, rows))
    if len(out) == 2:
        out.append("<p>The matrix of this night holds no combination.</p>")
    return "\n".join(out)


def page(wd, records, findings, by_night, incomplete, tplots, cplot, fplot, drawn, notes, general):
    last = records[-1]
    title = "vrsim nightly report: %s" % night_words(last["night"])
    parts = ['<!DOCTYPE html>', '<html lang="en"><head><meta charset="utf-8">',
             '<title>%s</title>' % e(title), '<style>%s</style></head><body>' % CSS,
             "<h1>%s</h1>" % e(title),
             '<p>Work directory <code>%s</code>: %d night(s). The figures: '
             '<a href="report.json">report.json</a>.</p>' % (e(os.path.abspath(wd)), len(records)),
             '<nav><a href="#night">This night</a><a href="#trends">Trends</a>'
             '<a href="#findings">Findings</a><a href="#matrix">Matrix</a></nav>',
             night_section(wd, last),
             trends_section(records, tplots, cplot, drawn, notes, general),
             findings_section(wd, findings, by_night, incomplete, fplot, drawn, notes, general),
             matrix_section(last), "</body></html>"]
    return "\n".join(parts) + "\n"


# ---------------------------------------------------------------- main


def report(wd):
    if not os.path.isdir(wd):
        raise BadInput("no work directory %s" % wd)
    records = read_history(wd)
    found, incomplete = read_findings(wd)
    last = records[-1]
    tr = trend(records)
    ct = coverage_trend(records)
    findings = finding_records(found, last)
    by_night = findings_by_night(findings, records)

    tplots = target_plots(tr, set())
    cplot, fplot = coverage_plot(ct), findings_plot(by_night)
    every = [cplot, fplot] + [tplots[t] for t in sorted(tplots)]
    axis = x_axis([r["night"] for r in records] + [b["night"] for b in by_night])
    drawn, notes, general = draw(wd, every, axis)

    files = ["plots/" + f for p in every for f in drawn.get(p.stem, [])]
    doc = {"workdir": os.path.abspath(wd), "nights": len(records), "last": last,
           "trend": tr, "coverage_trend": ct, "findings": findings,
           "findings_by_night": by_night,
           "plots": [f for f in files if f.endswith(".svg")],
           "plots_png": [f for f in files if f.endswith(".png")],
           "plot_notes": dict(notes, **({"all": general} if general else {}))}
    html_text = page(wd, records, findings, by_night, incomplete, tplots, cplot, fplot,
                     drawn, notes, general)
    remove_stale(wd)
    temps = []
    try:
        for name, data in (("report.json", json.dumps(doc, indent=1, sort_keys=True) + "\n"),
                           ("report.html", html_text)):
            path = os.path.join(wd, name)
            temps.append((write_temp(path, data.encode("utf-8")), path))
        install(temps)
    finally:
        for tmp, _ in temps:
            if os.path.exists(tmp):
                remove_quietly(tmp)
    return os.path.join(wd, "report.html")


def on_signal(signum, frame):
    raise Interrupted()


def main(argv):
    if len(argv) != 2 or argv[1].startswith("-"):
        print("usage: nightly_report.py WORKDIR", file=sys.stderr)
        return 2
    old = signal.signal(signal.SIGTERM, on_signal)
    try:
        print("report: %s" % report(argv[1]))
        return 0
    except BadInput as ex:
        print("report: %s" % ex, file=sys.stderr)
        return 2
    except WriteFailed as ex:
        print("report: %s" % ex, file=sys.stderr)
        return 4
    except (Interrupted, KeyboardInterrupt):
        print("report: interrupted; the previous report is kept", file=sys.stderr)
        return 130
    except OSError as ex:
        # a write the code above did not name (a directory made read-only
        # under it, ...): still one line, still the file
        print("report: %s: %s%s" % (ex.filename or argv[1], ex.strerror or ex,
                                    " (disk full?)" if disk_full(ex) else ""), file=sys.stderr)
        return 4
    except Exception as ex:  # a record shaped as no night's record is: one line, no traceback
        print("report: cannot make the report of %s: %s: %s (a bug in nightly_report.py, "
              "or a record it cannot read)" % (argv[1], type(ex).__name__, ex), file=sys.stderr)
        return 4
    finally:
        signal.signal(signal.SIGTERM, old)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
