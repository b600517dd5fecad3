"""The reports' one renderer: the page of a campaign (OUT/report.html,
beside report.json) and the pieces the nightly work directory's page is
made of (vrsim/nightly.py). First screen: the verdict, the kernels and
commit tested, the findings grouped by root cause (new before known, most
severe first) with links to their files and the reproduce command; then
per-target plots drawn by gnuplot (vrsim/plots.py), the targets' table,
the platform x policy x layout matrix and the source coverage link.

    python3 -m vrsim.report OUT   write OUT/report.html again from
                                  OUT/report.json (scripts/coverage OUT
                                  does it to link the coverage)

Standard library only."""

import html
import os
import shlex
import subprocess
import sys
import urllib.parse

from . import catalogue
from . import plots
from .files import DiskFull, load_json, write_whole

# ---------------------------------------------------------------- severity
# The one place findings are ranked: the lower the tier, the higher on the
# page. Why this order: a wrong byte read or written (by the guest or by the
# device) is what an attacker on the other side of a virtqueue wants, so
# memory safety comes first; then the kernel's own alarms (BUG/WARN, its
# state found corrupt, its memory leaked), which stop or taint a machine;
# then DMA-API misuse, which dma-debug would report and which corrupts
# memory on some platforms; then crashes, hangs and resource exhaustion
# whose cause the oracle could not name; last the protocol and referee
# findings: a party broke the VIRTIO rules without harm seen yet. Within a
# tier, new (not in catalogue/) before catalogued ones, then the finding
# seen by more inputs first.
SEVERITY = [
    ("memory safety", ("heap-buffer-overflow", "heap-use-after-free", "use-after-free",
                       "stack-buffer-overflow", "stack-buffer-underflow",
                       "global-buffer-overflow", "double-free", "bad-free", "SEGV",
                       "stack-use-after-return", "container-overflow", "ubsan",
                       "dma-fault", "private-memory-access", "stale-iotlb",
                       "data-integrity")),
    ("kernel BUG/WARN", ("kernel-bug", "kernel-warn", "kernel-state-corrupt",
                         "kernel-memory-leak")),
    ("DMA-API misuse", ("dma-debug-*", "dma-api-misuse")),
    ("crash or hang", ("crash", "deadly-signal", "timeout", "hang", "out-of-memory", "leak",
                       "liveness", "vrsim-internal", "unreproducible")),
    ("protocol or referee", ("protocol", "api-contract", "device-acceptance",
                             "differential-divergence")),
]


def severity(kind):
    """(tier, its name) of a finding kind; an unknown kind ranks with the
    crashes (the oracle could not name it)."""
    kind = kind or ""
    for i, (name, kinds) in enumerate(SEVERITY):
        for k in kinds:
            if kind == k or (k.endswith("*") and kind.startswith(k[:-1])):
                return i, name
    return 3, SEVERITY[3][0]


# ---------------------------------------------------------------- values
# Records may lack keys or hold null: these read what is there and give
# None (shown as a dash) otherwise.


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


def kernel_key(k):
    return [int(x) if x.isdigit() else 0 for x in text(k).split(".")]


# ---------------------------------------------------------------- HTML

CSS = """
body { font: 14px/1.4 sans-serif; margin: 1em auto; max-width: 1340px; padding: 0 1em; color: #222; }
h1 { font-size: 1.4em; margin: .2em 0 .4em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ccc; }
h3 { margin: 1em 0 .3em; font-size: 1.05em; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { border: 1px solid #ccc; padding: 2px 7px; vertical-align: top; }
th { background: #f2f2f2; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.kv th { width: 9em; } table.kv { margin: .3em 0; }
tr.new td { background: #ffe3e0; }
.badge { padding: 1px 7px; border-radius: 3px; font-weight: bold; white-space: nowrap; }
.ok { background: #d9f2d9; } .warn { background: #fff0c2; } .bad { background: #ffd0c9; }
.sev { background: #eee; font-weight: normal; }
td .badge { white-space: normal; }
.verdict { font-size: 1.35em; padding: .35em .7em; border-radius: 4px; margin: .2em 0 .5em; }
.note { color: #777; font-style: italic; border: 1px dashed #bbb; padding: 1em;
        display: inline-block; width: 390px; }
.plots { display: flex; flex-wrap: wrap; gap: 8px; }
.group { border-left: 5px solid #e0a000; padding: .1em .8em; margin: .5em 0; background: #fcfcfc; }
.group.new { border-color: #d62728; }
.group h3 { margin: .2em 0; } .group ul { margin: .2em 0; padding-left: 1.2em; }
.group li { margin-bottom: .3em; }
code { font-size: 12px; word-break: break-all; }
td.cell { text-align: center; white-space: nowrap; } td.hit { background: #dff0d8; }
nav a { margin-right: 1em; }
"""


def table(head, rows, cls=None):
    """HEAD: header cells (strings, escaped here); ROWS: lists of cells
    already made HTML (each "<td ...>...</td>"), or whole "<tr>" rows."""
    out = ['<table%s>' % (' class="%s"' % cls if cls else "")]
    if head:
        out.append("<tr>" + "".join("<th>%s</th>" % e(h) for h in head) + "</tr>")
    out += ["<tr>%s</tr>" % "".join(r) if isinstance(r, list) else r for r in rows]
    out.append("</table>")
    return "\n".join(out)


def td(v, cls=None):
    return '<td%s>%s</td>' % (' class="%s"' % cls if cls else "", v)


def kv_table(pairs):
    """(key, HTML value) rows."""
    return table([], ["<tr><th>%s</th><td>%s</td></tr>" % (e(k), v) for k, v in pairs], "kv")


def plot_html(stem, drawn, notes, general, prefix="plots/"):
    """The SVG, or a note where it would be."""
    if stem in drawn and stem + ".svg" in drawn[stem]:
        return '<img src="%s" width="420" height="260" alt="%s">' % (
            href(prefix + stem + ".svg"), e(stem))
    why = general or notes.get(stem) or "no plot"
    return '<div class="note">plot %s: %s</div>' % (e(stem), e(why))


def page(title, body):
    return "\n".join(['<!DOCTYPE html>', '<html lang="en"><head><meta charset="utf-8">',
                      '<title>%s</title>' % e(title), '<style>%s</style></head><body>' % CSS,
                      "<h1>%s</h1>" % e(title)] + body + ["</body></html>"]) + "\n"


def verdict_html(status, words):
    cls = {0: "ok", 1: "bad", 3: "warn", 4: "bad", 130: "warn"}.get(status, "warn")
    return '<div class="verdict %s">%s</div>' % (cls, words)


def tested_kernels(kernels, names):
    """{tag: release} of KERNELS (the build's) that the targets NAMES ran:
    fuzz_linux_X-TAG its TAG, a plain fuzz_linux_X the build's first."""
    kernels = obj(kernels)
    tags = set()
    for n in names:
        if not text(n).startswith("fuzz_linux_"):
            continue
        base, _, tag = text(n).rpartition("-")
        if base and tag in kernels:
            tags.add(tag)
        elif kernels:
            tags.add(next(iter(kernels)))
    return {t: v for t, v in kernels.items() if t in tags}


def tested_html(commit, dirty, kernels, names):
    """The commit and the kernels the targets NAMES tested, as kv rows."""
    c = ("<code>%s</code>" % e(commit[:12]) if commit else "unknown") + (
        " (with local changes)" if dirty else "")
    ks = ", ".join("Linux %s" % e(v) for _, v in sorted(tested_kernels(kernels, names).items(),
                                                         key=lambda kv: kernel_key(kv[0])))
    return [("vrsim commit", c), ("kernels", ks or "none (no Linux target ran)")]


# ---------------------------------------------------------------- findings


def group_findings(findings):
    """Findings grouped by root cause: a catalogue entry, else the triage
    key (oracle kind and top frames), across targets and kernels. Each
    finding: target, kind, message, catalogue (dict or None), new, count,
    kernel, links [(label, href)], reproduce. Returns groups, new before
    known, most severe first, then most inputs first."""
    groups = {}
    for f in findings:
        cat = f.get("catalogue")
        key = "catalogue:" + text(cat.get("entry") or cat.get("path")) if isinstance(cat, dict) \
            else "key:" + text(f.get("key") or "%s|%s" % (f.get("kind"), f.get("message")))
        groups.setdefault(key, []).append(f)
    out = []
    for key, fs in groups.items():
        fs.sort(key=lambda f: (not f.get("new"), kernel_key(f.get("kernel")), text(f.get("target"))))
        tier = min(severity(f.get("kind"))[0] for f in fs)
        out.append({"key": key, "findings": fs, "new": any(f.get("new") for f in fs),
                    "catalogue": fs[0].get("catalogue"), "tier": tier,
                    "severity": SEVERITY[tier][0],
                    "inputs": sum(num(f.get("count")) or 0 for f in fs)})
    out.sort(key=lambda g: (not g["new"], g["tier"], -g["inputs"], g["key"]))
    return out


def group_html(g):
    fs = g["findings"]
    first = fs[0]
    cat = g["catalogue"]
    if isinstance(cat, dict):
        kernels = sorted({text(f.get("kernel")) for f in fs if f.get("kernel")}, key=kernel_key)
        title = catalogue.describe(text(cat.get("title")), text(cat.get("entry")),
                                   text(cat.get("verdict")), kernels or seq(cat.get("kernels")))
        badge = '<span class="badge warn">known</span>'
    else:
        title = "[%s] %s" % (text(first.get("kind")), text(first.get("message")))
        badge = '<span class="badge bad">NEW</span>' if g["new"] else \
            '<span class="badge warn">seen before</span>'
    out = ['<section class="group%s">' % (" new" if g["new"] else ""),
           '<h3>%s <span class="badge sev">%s</span> %s</h3>' % (badge, e(g["severity"]), e(title)),
           "<ul>"]
    for f in fs:
        links = " | ".join('<a href="%s">%s</a>' % (href(h), e(label)) if h else e(label)
                           for label, h in f.get("links", []))
        extra = text(f.get("extra"))
        cmd = '<br>reproduce: <code>%s</code>' % e(f["reproduce"]) if f.get("reproduce") else ""
        out.append("<li><strong>%s</strong> [%s] %s%s%s<br>%s%s</li>" % (
            e(f.get("target")), e(f.get("kind")), e(f.get("message")),
            " (%s input(s))" % fmt_int(f.get("count")) if num(f.get("count")) else "",
            " " + e(extra) if extra else "", links, cmd))
    out.append("</ul>")
    out.append("</section>")
    return "\n".join(out)


def findings_html(groups):
    if not groups:
        return "<p>No finding.</p>"
    return "\n".join(group_html(g) for g in groups)


def absolute_command(cmd, top, path):
    """A reproduce command with the script and the input as absolute
    paths, runnable from any directory."""
    words = shlex.split(text(cmd))
    if not words:
        return ""
    if not os.path.isabs(words[0]):
        words[0] = os.path.join(top, words[0])
    if path:
        words[-1] = os.path.abspath(path)
    return " ".join(shlex.quote(w) for w in words)


# ---------------------------------------------------------------- matrix

POLICY_ORDER = ["never", "quirk-2016", "direct-ops-2018", "direct-ops-2018-xen",
                "protected-2020", "today"]
FEATURES = ["indirect", "event-idx", "version-1", "access-platform", "packed",
            "in-order", "notification-data", "ring-reset"]


def ordered(seen, preferred):
    return [x for x in preferred if x in seen] + sorted(seen - set(preferred))


def matrix_html(m, missing):
    """The platform x policy x layout matrix a corpus reached (M: a
    matrix.json of scripts/coverage), or MISSING (HTML) when there is none."""
    if not isinstance(m, dict):
        return "<p>%s</p>" % missing
    out = ["<p>Inputs of the corpus that reached each combination "
           "(the device used at least one buffer).</p>"]
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
        # both layouts always, as matrix.txt shows them: split/packed
        layouts = ordered({k[2] for k in count} | {"split", "packed"}, ["split", "packed"])
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
    if len(out) == 1:
        out.append("<p>The matrix holds no combination.</p>")
    return "\n".join(out)


# ---------------------------------------------------------------- run plots


def run_plots(targets, prefix="run-"):
    """One small plot a target and engine: its coverage (left axis) and
    execs/s (right axis) over the run, each on its own scale, all on one
    time axis. TARGETS: report.json's "targets"."""
    rows = [(t["target"], r) for t in targets for r in t.get("engines", [])]
    tmax = max([p[0] for _, r in rows for k in ("series", "rate_series")
                for p in r.get(k) or []] + [1])
    axis, div = plots.run_axis(tmax)
    used, out = set(), []
    for target, r in rows:
        several = sum(1 for t, _ in rows if t == target) > 1
        name = target + ("-" + r["engine"] if several else "")
        unit = r.get("series_unit") or r.get("coverage_unit") or "coverage"
        series = [plots.Series(unit.split(" (")[0], [(t / div, v) for t, v in r.get("series") or []],
                               "y1", plots.EDGES_COLOR),
                  plots.Series("execs/s", [(t / div, v) for t, v in r.get("rate_series") or []],
                               "y2", plots.SPEED_COLOR)]
        title = "%s: %s" % (target, r["engine"]) + (", fork mode at the end" if r.get("fork_mode")
                                                     else "")
        out.append(plots.Plot(prefix + plots.file_stem(name, used), title, series, y1=(unit, "%g"),
                              y2=("execs/s", "%g"), counts=True, axis=axis))
    return out


# ---------------------------------------------------------------- campaign


def git_state(top):
    """(commit, dirty) of the tree at TOP; ("", None) when unknown."""
    try:
        c = subprocess.run(["git", "-C", top, "rev-parse", "HEAD"], capture_output=True,
                           text=True, timeout=10)
        d = subprocess.run(["git", "-C", top, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "", None
    if c.returncode:
        return "", None
    return c.stdout.strip(), bool(d.stdout.strip()) if d.returncode == 0 else None


def campaign_kernels(report):
    """{tag: release} tested: meta.json's, else triage's, else the build's."""
    m = report["campaign"]
    if isinstance(m.get("kernels"), dict):
        return m["kernels"]
    if isinstance(report.get("kernels"), dict):
        return report["kernels"]
    build = obj(m.get("builds")).get("default") or os.path.join(m.get("top", ""), "build",
                                                                   "default")
    return catalogue.build_kernels(build)


def campaign_status(report):
    """The campaign's exit status as triage.finish decides it, from report.json."""
    new = report["findings"] - report.get("catalogued", 0)
    if new or report.get("failed"):
        return 1
    if report["findings"]:
        return 3
    return 130 if report["campaign"].get("interrupted") else 0


def campaign_findings(out, report):
    """report.json's findings in the shape group_findings takes."""
    top = report["campaign"].get("top", "")
    out_abs = os.path.abspath(out)
    res = []
    for t in report["targets"]:
        for f in t["findings"]:
            g = dict(f)
            g["new"] = not f.get("catalogue")
            path = f.get("file") or ""
            links = []
            for label, p in (("input", path), ("decoded program", path + ".decoded.txt"),
                             ("fuzzer output", path + ".txt")):
                rel = os.path.relpath(p, out_abs) if path else ""
                links.append((label, rel if path and os.path.exists(p) else ""))
            g["links"] = links
            g["reproduce"] = absolute_command(f.get("reproduce"), top, path)
            res.append(g)
    return res


def targets_table(report):
    rows = []
    for t in report["targets"]:
        engines = t["engines"] or [{"engine": "not run"}]
        for i, r in enumerate(engines):
            cells = [td(e(t["target"])) if i == 0 else td(""), td(e(r["engine"])),
                     td(fmt_int(r.get("execs")), "n"), td(fmt_int(r.get("execs_per_sec")), "n"),
                     td(fmt_int(r.get("coverage")), "n"), td(fmt_int(r.get("features")), "n"),
                     td(fmt_int(r.get("new_units")), "n"), td(fmt_int(t.get("corpus_units")), "n"),
                     td(fmt_int(r.get("runs")) + (", the last in fork mode"
                                                   if r.get("fork_mode") else ""), "n"),
                     td(fmt_int(len(t["findings"])), "n bad" if any(
                         not f.get("catalogue") for f in t["findings"]) else "n")]
            rows.append(cells)
    return table(["target", "engine", "execs", "execs/s", "edges", "features", "new units",
                  "corpus", "runs", "findings"], rows)


def write_html(out, report):
    """OUT/report.html of a campaign from its report.json data; the plots
    in OUT/plots/."""
    m = report["campaign"]
    top = m.get("top", "")
    status = campaign_status(report)
    groups = group_findings(campaign_findings(out, report))
    new = sum(1 for g in groups if g["new"])
    known = len(groups) - new
    if new:
        words = "%d new root cause(s)%s" % (new, ", and %d known" % known if known else "")
    elif report.get("failed"):
        words = "the run failed: %s ran no input" % ", ".join(report["failed"])
    elif known:
        words = "only known: %d catalogued root cause(s), nothing new" % known
    else:
        words = "nothing found"
    if m.get("interrupted"):
        words += " (interrupted)"
    commit, dirty = (m["commit"], m.get("dirty")) if m.get("commit") else git_state(top)
    every = run_plots(report["targets"])
    drawn, notes, general = plots.draw(os.path.join(out, "plots"), every)
    cov_html = os.path.join(out, "coverage", "html", "index.html")
    cov_cmd = "%s %s" % (os.path.join(top, "scripts", "coverage"),
                         shlex.quote(os.path.abspath(out)))
    coverage = ('<a href="coverage/html/index.html">llvm-cov report of the merged corpora</a>'
                if os.path.exists(cov_html) else
                "not computed: <code>%s</code> computes it and links it here" % e(cov_cmd))
    facts = tested_html(commit, dirty, campaign_kernels(report),
                        [t["target"] for t in report["targets"]]) + [
        ("run", e("started %s, %s s per target and engine, engine %s, %s job(s), %d target(s)"
                  % (m.get("started"), m.get("duration"), m.get("engine"), m.get("jobs"),
                     len(report["targets"])))),
        ("source coverage", coverage),
        ("files", '<a href="report.json">report.json</a>, <code>%s</code>'
         % e(os.path.abspath(out)))]
    body = [verdict_html(status, "%s &mdash; exit %d" % (e(words), status)), kv_table(facts),
            '<nav><a href="#findings">Findings</a><a href="#plots">Plots</a>'
            '<a href="#targets">Targets</a><a href="#matrix">Matrix</a></nav>',
            '<h2 id="findings">Findings: %d root cause(s), %d new</h2>' % (len(groups), new),
            findings_html(groups),
            '<h2 id="plots">Each target over the run: coverage (left axis) and execs/s '
            '(right axis)</h2>',
            '<div class="plots">%s</div>' % "\n".join(
                plot_html(p.stem, drawn, notes, general) for p in every),
            "<p>libFuzzer's coverage is drawn as features (<code>ft:</code>): the one "
            "measure plain and fork mode share (fork mode's <code>cov:</code> counts its own "
            "way); the table's edges are plain mode's <code>cov:</code>. AFL++ counts "
            "<code>edges_found</code> in its own map: not comparable with libFuzzer's.</p>",
            '<h2 id="targets">Targets</h2>', targets_table(report),
            '<h2 id="matrix">Platform x policy x layout reached</h2>',
            matrix_html(load_json_quiet(os.path.join(out, "coverage", "matrix.json")),
                        "Not computed: it comes with the source coverage (<code>%s</code>)."
                        % e(cov_cmd))]
    write_whole(os.path.join(out, "report.html"),
                page("vrsim fuzz campaign: %s" % text(m.get("started")).replace("T", " ")
                     .replace("Z", " UTC"), body))


def load_json_quiet(path):
    try:
        return load_json(path)
    except Exception:  # a broken matrix.json is no reason to lose the page
        return None


def main(argv):
    if len(argv) != 2 or argv[1].startswith("-"):
        print("usage: python3 -m vrsim.report OUT", file=sys.stderr)
        return 2
    try:
        report = load_json(os.path.join(argv[1], "report.json"))
        if report is None:
            print("report: no %s/report.json" % argv[1], file=sys.stderr)
            return 2
        write_html(argv[1], report)
    except (DiskFull, plots.WriteFailed, OSError) as ex:
        print("report: %s" % ex, file=sys.stderr)
        return 4
    except Exception as ex:
        print("report: %s" % ex, file=sys.stderr)
        return 2
    print("report: %s" % os.path.join(argv[1], "report.html"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
