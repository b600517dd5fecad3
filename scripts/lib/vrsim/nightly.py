"""The report of a nightly work directory (scripts/fuzz --workdir), drawn
by the campaign's one renderer (vrsim/report.py, vrsim/plots.py).

usage: nightly_report.py WORKDIR   (python3 -m vrsim.nightly WORKDIR)

Reads WORKDIR/history.jsonl (one record a night, oldest first),
WORKDIR/findings/TARGET/ID/finding.json and the last night's own
nights/NIGHT/report.json, and writes WORKDIR/report.html (one page, no
JavaScript), WORKDIR/report.json and WORKDIR/plots/ (SVG drawn by gnuplot,
PNG too when gnuplot has the pngcairo or png terminal, with the .gp
scripts and .dat files that drew them).

Prints "report: WORKDIR/report.html" and exits 0 on success. Exit 2: no
work directory, or an input that cannot be read (the message names the file
and the line). Exit 4: a file that cannot be written (a full disk says so);
the previous report stays whole, since every file is written to a temp file
and renamed. Exit 130: interrupted. Without gnuplot (or when it fails) the
page says so where the plots would be; report.json is complete either way.
Standard library only.
"""
import json
import os
import signal
import sys

from . import plots
from . import workdir
from .files import DiskFull, Refused, load_json, write_whole
from .plots import EDGES_COLOR, SPEED_COLOR, Plot, Series, WriteFailed, parse_night
from .report import (e, fmt_int, fmt_pct, href, kv_table, num, obj, plot_html, seq, table, td,
                     text)
from . import report as render

# The coverage groups plotted over nights; every group is in report.json.
COVERAGE_GROUPS = ["ring/", "dma/", "sim/", "total"]
# Engines in the order tables and plots show them.
ENGINE_ORDER = ["libfuzzer", "afl"]
STATUS_WORDS = {0: "nothing new", 1: "new finding(s)",
                3: "only catalogued kernel findings or known ones, nothing new",
                4: "the run failed (harness failure)", 130: "interrupted, nothing new"}


class BadInput(Exception):
    """An input the report cannot use: exit 2."""


class Interrupted(Exception):
    """SIGINT or SIGTERM: temp files are removed on the way out, exit 130."""


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


# ---------------------------------------------------------------- reading


def read_history(wd):
    """The records, oldest first, as vrsim/workdir.py reads them (a line
    that is not a record stops the report with its number, as it refuses
    the work dir before a night); none, or a night that is not a time, is
    refused here too: the report has nothing to draw."""
    path = os.path.join(wd, "history.jsonl")
    if not os.path.exists(path):
        raise BadInput("%s: missing: no night recorded yet (is %s a vrsim work directory?)"
                       % (path, wd))
    try:
        records = workdir.read_history(wd)
    except UnicodeDecodeError:
        raise BadInput("%s: not UTF-8 text" % path)
    except Refused as ex:
        raise BadInput(str(ex))
    for n, rec in enumerate(records, 1):
        if parse_night(rec["night"]) is None:
            # history.jsonl is written without blank lines: record N is line N
            raise BadInput("%s: line %d is not a JSON record: night %r is not a time like "
                           "20261202T094500Z" % (path, n, rec["night"]))
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

# ---------------------------------------------------------------- plots

COVERAGE_COLORS = {"ring/": "#1f5fa8", "dma/": "#d9730d", "sim/": "#2e8b57", "total": "#333333"}


def target_plots(tr, used):
    """One small plot a target, on its own scale so a small target is not
    flattened: edges on the left axis, execs/s on the right; with two
    engines, one line each (they count edges their own way), AFL dashed."""
    out = {}
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
        out[t] = Plot("target-" + plots.file_stem(t, used), t + one, series,
                        y1=("edges", "%g"), y2=("execs/s", "%g"), key="below horizontal",
                        counts=True)
    return out


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



# ---------------------------------------------------------------- page


def night_facts(wd, records, night_report):
    """The facts of the night under the verdict: what was tested, how."""
    kv = []
    last = records[-1]
    meta = obj(obj(night_report).get("campaign"))
    commit = text(last.get("commit") or meta.get("commit"))
    kernels = last.get("kernels") or meta.get("kernels") or obj(night_report).get("kernels")
    kv += render.tested_html(commit, last.get("dirty"), kernels, obj(last.get("targets")))
    if commit and last.get("dirty") is None:
        kv[0] = (kv[0][0], kv[0][1] + " (local changes unknown)")
    kv.append(("night", e(night_words(last["night"])) + " (<code>%s</code>)" % e(last["night"])))
    run = e(last.get("engine") or "unknown")
    if num(last.get("jobs")) is not None:
        run += ", %s job(s)" % e(last.get("jobs"))
    d = seconds_words(last.get("duration"))
    run += e(", " + d + " per target and engine" if d else "")
    b = seconds_words(last.get("budget"))
    run += e(", budget " + b + " for the whole run" if b else ", no budget (a fixed time per target)")
    kv.append(("run", run))
    kv.append(("started / ended", e("%s / %s" % (last.get("started") or "?",
                                                 last.get("ended") or "?"))))
    flags = []
    if last.get("interrupted"):
        flags.append("interrupted")
    if last.get("recovered"):
        flags.append("recovered: a killed run left this night; a later run finished it")
    failed = [text(x) for x in seq(last.get("failed"))]
    if failed:
        flags.append("failed: " + ", ".join(failed))
    if flags:
        kv.append(("notes", e("; ".join(flags))))
    fl = obj(last.get("findings"))
    kv.append(("findings", e("%d new, %d known seen again, %d catalogued kernel findings"
                             % (len(seq(fl.get("new"))), len(seq(fl.get("known"))),
                                len(seq(fl.get("catalogued")))))))
    cov = last.get("coverage_html")
    if cov:
        gone = "" if os.path.exists(os.path.join(wd, text(cov))) else " (no longer on disk)"
        kv.append(("source coverage", '<a href="%s">llvm-cov report of this night</a>%s'
                   % (href(text(cov)), e(gone))))
    else:
        kv.append(("source coverage", "no coverage report this night"))
    kv.append(("work directory", '<code>%s</code>, %s, <a href="report.json">report.json</a>'
               % (e(os.path.abspath(wd)), e("%d night(s)" % len(records)))))
    return kv


def verdict(last):
    s = num(last.get("status"))
    if s is None:
        return render.verdict_html(None, "status unknown")
    s = int(s)
    words = STATUS_WORDS.get(s, "status %d (not one vrsim uses)" % s)
    return render.verdict_html(s, "%s &mdash; exit %d" % (e(words), s))


def targets_section(last):
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
    out = ['<h2 id="targets">Targets this night</h2>']
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


def plots_section(records, nplots, tplots, cplot, drawn, notes, general):
    first, last = records[0]["night"], records[-1]["night"]
    out = ['<h2 id="plots">Each target this night: coverage (left axis) and execs/s '
           '(right axis)</h2>']
    if nplots:
        out.append('<div class="plots">%s</div>' % "\n".join(
            plot_html(p.stem, drawn, notes, general) for p in nplots))
        out.append("<p>libFuzzer's coverage as features (<code>ft:</code>), the measure plain "
                   "and fork mode share.</p>")
    else:
        out.append("<p>The night's own report (nights/%s/report.json) is not there: "
                   "no plot of the run.</p>" % e(last))
    out += ['<h2 id="trends">Trends over %d night(s)</h2>' % len(records),
            "<p>From %s to %s; each target on its own scale.</p>"
            % (e(night_words(first)), e(night_words(last)))]
    out.append("<h3>Source line coverage</h3>")
    out.append('<div class="plots">%s</div>' % plot_html(cplot.stem, drawn, notes, general))
    out.append("<h3>Each target: edges (left axis) and execs/s (right axis), one point a night</h3>")
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


def tonight_findings(wd, findings, top):
    """The findings this night saw, as the renderer groups them."""
    out = []
    for f in findings:
        if not (f["new_tonight"] or f.get("seen_tonight")):
            continue
        g = dict(f)
        g["new"] = f["new_tonight"]
        links = []
        for key, label in (("input", "input"), ("decoded", "decoded program"),
                           (None, "fuzzer output")):
            name = text(f.get(key) if key else "output.txt")
            ok = name and os.path.basename(name) == name and \
                os.path.exists(os.path.join(wd, f["dir"], name))
            links.append((label, os.path.join(f["dir"], name) if ok else ""))
        g["links"] = links
        inp = os.path.join(os.path.abspath(wd), f["dir"], text(f.get("input") or "input"))
        g["reproduce"] = render.absolute_command(f.get("reproduce"), top, inp) \
            if f.get("reproduce") else ""
        first = f.get("first_seen")
        if not f["new_tonight"] and parse_night(first):
            g["extra"] = "(first seen %s, %s night(s))" % (night_words(first),
                                                           fmt_int(f.get("nights")))
        out.append(g)
    return out


def findings_section(wd, findings, by_night, incomplete, fplot, drawn, notes, general):
    out = ['<h2 id="findings">Every finding remembered: %d</h2>' % len(findings)]
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


def page(wd, records, findings, by_night, incomplete, night_report, nplots, tplots, cplot,
         fplot, drawn, notes, general):
    last = records[-1]
    top = text(obj(obj(night_report).get("campaign")).get("top"))
    groups = render.group_findings(tonight_findings(wd, findings, top))
    newg = sum(1 for g in groups if g["new"])
    body = [verdict(last), kv_table(night_facts(wd, records, night_report)),
            '<nav><a href="#tonight">Findings this night</a><a href="#plots">Plots</a>'
            '<a href="#trends">Trends</a><a href="#targets">Targets</a>'
            '<a href="#findings">Every finding</a><a href="#matrix">Matrix</a></nav>',
            '<h2 id="tonight">Findings this night: %d root cause(s), %d new</h2>'
            % (len(groups), newg),
            render.findings_html(groups),
            plots_section(records, nplots, tplots, cplot, drawn, notes, general),
            targets_section(last),
            findings_section(wd, findings, by_night, incomplete, fplot, drawn, notes, general),
            '<h2 id="matrix">Platform x policy x layout reached this night</h2>',
            render.matrix_html(last.get("matrix"), "No matrix this night (the coverage step "
                               "was skipped or failed).")]
    return render.page("vrsim nightly report: %s" % night_words(last["night"]), body)


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
    try:
        night_report = load_json(os.path.join(wd, "nights", last["night"], "report.json"))
    except Refused:
        night_report = None
    nplots = render.run_plots(seq(obj(night_report).get("targets")), "night-") \
        if night_report else []

    tplots = target_plots(tr, set())
    cplot, fplot = coverage_plot(ct), findings_plot(by_night)
    every = [cplot, fplot] + [tplots[t] for t in sorted(tplots)] + nplots
    axis = plots.night_axis([r["night"] for r in records] + [b["night"] for b in by_night])
    drawn, notes, general = draw(os.path.join(wd, "plots"), every, axis)

    files = ["plots/" + f for p in every for f in drawn.get(p.stem, [])]
    doc = {"workdir": os.path.abspath(wd), "nights": len(records), "last": last,
           "trend": tr, "coverage_trend": ct, "findings": findings,
           "findings_by_night": by_night,
           "plots": [f for f in files if f.endswith(".svg")],
           "plots_png": [f for f in files if f.endswith(".png")],
           "plot_notes": dict(notes, **({"all": general} if general else {}))}
    html_text = page(wd, records, findings, by_night, incomplete, night_report, nplots, tplots,
                     cplot, fplot, drawn, notes, general)
    # report.json first, the page last: a page never points at figures
    # that are not written
    write_whole(os.path.join(wd, "report.json"), json.dumps(doc, indent=1, sort_keys=True) + "\n")
    write_whole(os.path.join(wd, "report.html"), html_text)
    return os.path.join(wd, "report.html")


def draw(pdir, every, axis):
    """plots.draw, by this name so a test can stand in for gnuplot."""
    return plots.draw(pdir, every, axis)


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
    except DiskFull as ex:
        print("report: %s (disk full?)" % ex, file=sys.stderr)
        return 4
    except WriteFailed as ex:
        print("report: %s" % ex, file=sys.stderr)
        return 4
    except (Interrupted, KeyboardInterrupt):
        print("report: interrupted; the previous report is kept", file=sys.stderr)
        return 130
    except OSError as ex:
        # a write the code above did not name (a directory made read-only
        # under it, ...): still one line, still the file
        print("report: %s: %s" % (ex.filename or argv[1], ex.strerror or ex), file=sys.stderr)
        return 4
    except Exception as ex:  # a record shaped as no night's record is: one line, no traceback
        print("report: cannot make the report of %s: %s: %s (a bug in vrsim/nightly.py, "
              "or a record it cannot read)" % (argv[1], type(ex).__name__, ex), file=sys.stderr)
        return 4
    finally:
        signal.signal(signal.SIGTERM, old)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
