"""The campaign's report: report.html beside report.json in a campaign
directory. Standard library only."""

import html
import os

from . import catalogue
from .common import read

def svg_plot(series_by_name):
    """One inline SVG, a polyline per series; no scripts."""
    w, h, pad = 720, 300, 48
    allpts = [p for pts in series_by_name.values() for p in pts]
    if not allpts:
        return "<p>No coverage samples were recorded.</p>"
    tmax = max(p[0] for p in allpts) or 1
    vmax = max(p[1] for p in allpts) or 1
    vmin = min(p[1] for p in allpts)
    if vmax == vmin:
        vmin = 0
    colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
              "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]

    def xy(t, v):
        x = pad + (w - 2 * pad) * t / tmax
        y = h - pad - (h - 2 * pad) * (v - vmin) / (vmax - vmin)
        return "%.1f,%.1f" % (x, y)

    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
             'role="img" aria-label="coverage over time">' % (w, h + 20 * len(series_by_name)),
             '<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#999"/>'
             % (pad, pad, w - 2 * pad, h - 2 * pad),
             '<text x="%d" y="%d" font-size="11">%d</text>' % (4, pad + 4, vmax),
             '<text x="%d" y="%d" font-size="11">%d</text>' % (4, h - pad, vmin),
             '<text x="%d" y="%d" font-size="11">0 s</text>' % (pad, h - pad + 16),
             '<text x="%d" y="%d" font-size="11" text-anchor="end">%d s</text>'
             % (w - pad, h - pad + 16, tmax),
             '<text x="%d" y="%d" font-size="11" text-anchor="middle">seconds since the target started</text>'
             % (w // 2, h - pad + 30)]
    for i, (name, pts) in enumerate(sorted(series_by_name.items())):
        c = colors[i % len(colors)]
        if len(pts) == 1:
            pts = pts + [(tmax, pts[0][1])]
        parts.append('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>'
                     % (c, " ".join(xy(t, v) for t, v in pts)))
        ly = h + 14 + 20 * i
        parts.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="3"/>'
                     % (pad, ly - 4, pad + 24, ly - 4, c))
        parts.append('<text x="%d" y="%d" font-size="12">%s (last %d)</text>'
                     % (pad + 30, ly, html.escape(name), pts[-1][1]))
    parts.append("</svg>")
    return "\n".join(parts)


def write_html(out, report):
    e = html.escape
    m = report["campaign"]
    rows = []
    for t in report["targets"]:
        for r in t["engines"]:
            rows.append("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
                        "<td>%s</td><td>%s</td><td>%s</td><td>%d</td></tr>"
                        % (e(t["target"]), e(r["engine"]), "{:,}".format(r["execs_per_sec"]),
                           r["coverage"], r["new_units"], t["corpus_units"],
                           "{:,}".format(r["execs"]), len(t["findings"])))
    fnd = []
    every = [f for t in report["targets"] for f in t["findings"]]
    for entry, fs in known_rows(every):
        c = fs[0]["catalogue"]
        fnd.append("<section class='known'><h3>%s</h3><ul>%s</ul>"
                   "<p>Reproduce: <code>%s</code></p></section>"
                   % (e(catalogue.describe(c["title"], entry, c["verdict"],
                                           affects(fs).split(", ") if affects(fs) else c["kernels"])),
                      "".join("<li>seen as %s [%s]: %s</li>" % (e(f["target"]), e(f["kind"]),
                                                                e(f["message"] or f["summary"]))
                              for f in fs), e(fs[0]["reproduce"])))
    for t in report["targets"]:
        for f in t["findings"]:
            if f.get("catalogue"):
                continue
            fnd.append(
                "<section class='finding'><h3>%s: [%s]</h3><p>%s</p>"
                "<p>%d crashing input(s), engine(s) %s; top frames: <code>%s</code></p>"
                "<p>Reproduce: <code>%s</code><br>Keep as a regression: <code>%s</code></p>"
                "<details open><summary>Decoded input</summary><pre>%s</pre></details>"
                "<details><summary>Fuzzer output</summary><pre>%s</pre></details></section>"
                % (e(t["target"]), e(f["kind"]), e(f["message"] or f["summary"]),
                   f["count"], e(", ".join(f["engines"])), e(" < ".join(f["frames"]) or "-"),
                   e(f["reproduce"]), e(f["keep"]), e(f["decoded"]),
                   e(read(f["file"] + ".txt")[-20000:])))
    series = {}
    for t in report["targets"]:
        for r in t["engines"]:
            if r["series"]:
                series["%s/%s" % (t["target"], r["engine"])] = r["series"]
    newn = report["findings"] - report.get("catalogued", 0)
    verdict = ("%d unique finding(s) not in the catalogue" % newn if newn else
               "only catalogued kernel findings" if report["findings"] else "nothing found")
    page = """<!doctype html>
<html><head><meta charset="utf-8"><title>vrsim fuzz campaign %s</title>
<style>
body{font-family:sans-serif;margin:2em;max-width:70em}
table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:.3em .6em;text-align:right}
td:first-child,td:nth-child(2){text-align:left}
pre{background:#f4f4f4;padding:.6em;overflow:auto;max-height:30em}
.finding{border-left:4px solid #d62728;padding-left:1em;margin-bottom:1.5em}
.known{border-left:4px solid #ff7f0e;padding-left:1em;margin-bottom:1.5em}
.bad{color:#d62728}.good{color:#2ca02c}
</style></head><body>
<h1>vrsim fuzz campaign</h1>
<p>Started %s, %s s per target, engine %s, %s job(s)%s. Result:
<strong class="%s">%s</strong>.</p>
<h2>Targets</h2>
<table><tr><th>target</th><th>engine</th><th>execs/s</th><th>coverage</th>
<th>new units</th><th>corpus after merge</th><th>execs</th><th>findings</th></tr>
%s</table>
<p>Coverage: libFuzzer <code>cov:</code> (edges of the ASan+UBSan build) and AFL
<code>edges_found</code> are different instrumentations and not comparable.</p>
<h2>Coverage over time</h2>
%s
<h2>Findings</h2>
%s
</body></html>
""" % (e(m["started"]), e(m["started"]), m["duration"], e(m["engine"]), m["jobs"],
       ", <strong>interrupted</strong>" if m.get("interrupted") else "",
       "bad" if newn else "good", verdict,
       "\n".join(rows), svg_plot(series),
       "\n".join(fnd) or "<p>None.</p>")
    with open(os.path.join(out, "report.html"), "w") as f:
        f.write(page)
