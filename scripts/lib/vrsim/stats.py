"""What a campaign's engines left behind, as figures: libFuzzer's logs
(plain and fork mode, every restart of every instance, placed in time by
runs.tsv and t0), AFL++'s fuzzer_stats and plot_data (with the sampler's
cov.tsv of AFL++). A libFuzzer target's series over time come from its
logs alone: the sampler's libFuzzer cov.tsv is not read. Standard library
only."""

import os
import re

from .common import read

# Plain mode: "#6455	DONE   cov: 1503 ft: 8350 corp: 479/155Kb lim: 617 exec/s: 307 ..."
COV_RE = re.compile(r"^#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)/\S+(?: lim: \d+)? exec/s: (\d+)")
# Fork mode (-fork=1), the parent's lines: "#414: cov: 5908 ft: 5908 corp: 155
# exec/s 207 oom/timeout/crash: 0/0/0 time: 5s job: 1 dft_time: 0". Its
# cov: is not plain mode's edge count (libFuzzer 14 starts it from the
# seeds' features), but ft: (features) is the same measure in both modes:
# the plots draw features so that a run going on in fork mode keeps its line.
FORK_RE = re.compile(r"^#(\d+): cov: (\d+) ft: (\d+) corp: (\d+) exec/s (\d+)(?: .*? time: (\d+)s)?")
STAT_RE = re.compile(r"^stat::(\w+):\s+(\d+)")
# At most this many points a series keeps (a 8-hour run logs thousands).
MAX_POINTS = 400


def libfuzzer_stats(text):
    """Final stats, last status line and max coverage of one libFuzzer log
    (plain or fork mode). "points": (seconds into the run, execs, ft, cov
    or None in fork mode, exec/s) of every status line, the seconds from
    libFuzzer's own figures (fork mode's time:, plain mode's execs over
    its exec/s, which it counts from the process start)."""
    st = {"execs": 0, "new_units": 0, "cov": 0, "ft": 0, "last_execs": 0,
          "last_rate": 0, "has_final": False, "fork": False, "points": []}
    first_corp = None
    for line in text.splitlines():
        m = FORK_RE.match(line)
        if m:
            n, ft, corp, rate = (int(m.group(i)) for i in (1, 3, 4, 5))
            st["fork"] = True
            st["last_execs"] = n
            st["ft"] = max(st["ft"], ft)
            st["last_rate"] = rate or st["last_rate"]
            if first_corp is None:
                first_corp = corp
            st["new_units"] = corp - first_corp
            t = int(m.group(6)) if m.group(6) else (n / rate if rate else 0)
            st["points"].append((t, n, ft, None, rate))
            continue
        m = COV_RE.match(line)
        if m:
            n, cov, ft, rate = (int(m.group(i)) for i in (1, 2, 3, 5))
            st["last_execs"] = n
            st["cov"] = max(st["cov"], cov)
            st["ft"] = max(st["ft"], ft)
            st["last_rate"] = rate
            st["points"].append((n / rate if rate else 0, n, ft, cov, rate))
            continue
        m = STAT_RE.match(line)
        if m:
            key, val = m.group(1), int(m.group(2))
            if key == "number_of_executed_units":
                st["execs"] = val
                st["has_final"] = True
            elif key == "new_units_added":
                st["new_units"] = val
    if not st["has_final"]:
        st["execs"] = st["last_execs"]
    return st


def thin(pts, limit=MAX_POINTS):
    """At most LIMIT points of a time series, the first and last kept."""
    if len(pts) <= limit:
        return pts
    step = len(pts) / float(limit - 1)
    keep = sorted({int(i * step) for i in range(limit - 1)} | {len(pts) - 1})
    return [pts[i] for i in keep]


def combine(instances, add):
    """One series from several instances' [(t, value or None)]: at each
    time the sum (ADD) or the best of each instance's latest value (None:
    the instance stopped)."""
    # by time and instance only: an instance's stop (None) stays after its
    # last figure of the same second
    events = sorted(((t, i, v) for i, pts in enumerate(instances) for t, v in pts),
                    key=lambda ev: ev[:2])
    latest, out = {}, []
    for t, i, v in events:
        if v is None:
            latest.pop(i, None)
        else:
            latest[i] = v
        vals = list(latest.values())
        # a moment no instance runs (a restart) has no rate: no point
        if vals:
            out.append((t, sum(vals) if add else max(vals)))
    # one point a time: the last figure of that second
    merged = {}
    for t, v in out:
        merged[t] = v
    return thin(sorted(merged.items()))


def run_series(runs, logs, t0):
    """(features, execs/s) over the target's time: [(seconds since its
    first instance started, value)], every run of every instance, fork
    mode too. RUNS: runs.tsv rows (n, start, end, core); LOGS: {(core,
    n): stats}."""
    feats, rates = {}, {}
    for n, s, e, core in runs:
        st = logs.get((core, n))
        if not st:
            continue
        base, span = s - t0, max(0, e - s)
        f = feats.setdefault(core, [])
        r = rates.setdefault(core, [])
        # libFuzzer's exec/s is the run's average so far, over whole
        # seconds: the rate drawn is the execs between two points at least
        # WINDOW apart instead (2 s, a thirtieth of a long run)
        window = max(2, span / 30.0)
        last_t, last_n = 0, 0
        for t, n, ft, _, _ in st["points"]:
            t = min(round(t), span)
            f.append((base + t, ft))
            if t >= last_t + window:
                r.append((base + t, int((n - last_n) / (t - last_t))))
                last_t, last_n = t, n
        r.append((base + span, None))
    # a restart reloads the corpus it had
    return reached(combine(list(feats.values()), add=False)), \
        combine(list(rates.values()), add=True)


def reached(pts):
    """The coverage reached so far at each point of [(t, value)]."""
    out, best = [], None
    for t, v in sorted(pts, key=lambda p: p[0]):
        best = v if best is None else max(best, v)
        if out and out[-1][0] == t:
            out[-1] = (t, best)
        else:
            out.append((t, best))
    return out


def count_files(d):
    try:
        return sum(1 for n in os.listdir(d)
                   if os.path.isfile(os.path.join(d, n)) and not n.startswith("."))
    except OSError:
        return 0


def read_series(path, col_t=0, col_v=1):
    pts = []
    for line in read(path).splitlines():
        parts = line.split()
        if len(parts) > max(col_t, col_v):
            try:
                pts.append((float(parts[col_t]), int(parts[col_v])))
            except ValueError:
                pass
    return pts


def afl_stats(d):
    st = {}
    for line in read(os.path.join(d, "fuzzer_stats")).splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            st[k.strip()] = v.strip()
    return st


def afl_plot(d, t_offset):
    """(edges_found, execs_per_sec) over time of one AFL++ instance, from
    its plot_data: [(seconds, value)] each."""
    text = read(os.path.join(d, "plot_data"))
    cols = None
    edges, rates = [], []
    for line in text.splitlines():
        if line.startswith("#"):
            cols = [c.strip() for c in line[1:].split(",")]
            continue
        if not cols:
            continue
        row = dict(zip(cols, (v.strip() for v in line.split(","))))
        try:
            t = float(row.get("relative_time", row.get("unix_time", 0))) + t_offset
            edges.append((t, int(row["edges_found"])))
            rates.append((t, float(row["execs_per_sec"])))
        except (KeyError, ValueError):
            pass
    return edges, rates


def read_int(path):
    try:
        return int(read(path).split()[0])
    except (IndexError, ValueError):
        return None


def libfuzzer_row(lf):
    """The figures of a target's libFuzzer runs (every instance, every
    restart, fork mode too)."""
    logs = {}
    execs = new = cov = ft = 0
    rate_fallback = 0
    logdir = os.path.join(lf, "logs")
    for name in sorted(os.listdir(logdir)) if os.path.isdir(logdir) else []:
        s = libfuzzer_stats(read(os.path.join(logdir, name)))
        m = re.match(r"run-(\d+)-(\d+)\.log$", name)
        if m:
            logs[(int(m.group(1)), int(m.group(2)))] = s
        execs += s["execs"]
        new += s["new_units"]
        cov = max(cov, s["cov"])
        ft = max(ft, s["ft"])
        rate_fallback = s["last_rate"] or rate_fallback
    runs = []
    for line in read(os.path.join(lf, "runs.tsv")).splitlines():
        p = line.split()
        if len(p) >= 3:
            runs.append((int(p[0]), int(p[1]), int(p[2]), int(p[4]) if len(p) >= 5 else 0))
    secs = sum(max(0, e - s) for _, s, e, _ in runs)
    t_start = min((s for _, s, _, _ in runs), default=None)
    t_end = max((e for _, _, e, _ in runs), default=None)
    # Throughput of all the target's instances together, like AFL's.
    wall = (t_end - t_start) if t_start is not None else 0
    rate = int(execs / wall) if wall > 0 else rate_fallback
    t0 = read_int(os.path.join(lf, "t0")) or t_start or 0
    series, rates = run_series(runs, logs, t0)
    return {"engine": "libfuzzer", "execs": execs,
            "execs_per_sec": rate, "coverage": cov,
            "coverage_unit": "cov (libFuzzer edges)", "features": ft,
            "new_units": new, "runs": len(runs), "seconds": secs,
            "fork_mode": any(s["fork"] for s in logs.values()),
            "seeds": count_files(os.path.join(lf, "seeds")),
            "series": series, "series_unit": "features (libFuzzer ft:)",
            "rate_series": rates}


def afl_row(afl):
    sync = os.path.join(afl, "sync")
    execs = new = edges = rate = 0
    secs = 0.0
    series, rates = [], []
    stability = ""
    insts = sorted(os.listdir(sync)) if os.path.isdir(sync) else []
    for inst in insts:
        st = afl_stats(os.path.join(sync, inst))
        if not st:
            continue
        execs += int(st.get("execs_done", 0))
        rate += int(float(st.get("execs_per_sec", 0)))
        new += int(st.get("corpus_found", 0))
        edges = max(edges, int(st.get("edges_found", 0)))
        secs = max(secs, float(st.get("run_time", 0)))
        e, r = afl_plot(os.path.join(sync, inst), 0)
        # the instances run side by side to the end: no stop to mark
        rates.append(r)
        if inst == "main":
            series = e
            stability = st.get("stability", "")
    return {"engine": "afl", "execs": execs, "execs_per_sec": rate,
            "coverage": edges, "coverage_unit": "edges_found (AFL map)",
            "new_units": new, "runs": len(insts), "seconds": secs,
            "instances": insts, "stability": stability,
            "seeds": count_files(os.path.join(afl, "in")),
            # plot_data is written every few seconds, the sampler's cov.tsv
            # every two: both, as edges reached so far
            "series": thin(reached(series + read_series(os.path.join(afl, "cov.tsv")))),
            "series_unit": "edges (AFL++ edges_found)",
            "rate_series": combine(rates, add=True)}


def target_stats(out, meta, target):
    """One row an engine that ran TARGET: its figures, and its coverage
    and execs/s over the run."""
    rows = []
    lf = os.path.join(out, "work", "libfuzzer", target)
    if os.path.isdir(lf):
        rows.append(libfuzzer_row(lf))
    afl = os.path.join(out, "work", "afl", target)
    if os.path.isdir(afl):
        rows.append(afl_row(afl))
    return rows
