"""What a campaign's engines left behind, as figures: libFuzzer's logs
(plain and fork mode), AFL++'s fuzzer_stats and plot_data, the sampler's
series. Standard library only."""

import os
import re

from .common import read

COV_RE = re.compile(r"^#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)/\S+(?: lim: \d+)? exec/s: (\d+)")
FORK_RE = re.compile(r"^#(\d+): cov: (\d+) ft: (\d+) corp: (\d+) exec/s (\d+)")
STAT_RE = re.compile(r"^stat::(\w+):\s+(\d+)")


def libfuzzer_stats(text):
    """Final stats, last status line and max coverage of one libFuzzer log."""
    st = {"execs": 0, "new_units": 0, "cov": 0, "ft": 0, "last_execs": 0,
          "last_rate": 0, "has_final": False}
    first_corp = None
    for line in text.splitlines():
        m = FORK_RE.match(line)
        if m:
            # Fork mode counts coverage its own way: keep only its execs
            # and corpus growth.
            st["last_execs"] = int(m.group(1))
            if first_corp is None:
                first_corp = int(m.group(4))
            st["new_units"] = int(m.group(4)) - first_corp
            continue
        m = COV_RE.match(line)
        if m:
            st["last_execs"] = int(m.group(1))
            st["cov"] = max(st["cov"], int(m.group(2)))
            st["ft"] = max(st["ft"], int(m.group(3)))
            st["last_rate"] = int(m.group(5))
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
    text = read(os.path.join(d, "plot_data"))
    cols = None
    pts = []
    for line in text.splitlines():
        if line.startswith("#"):
            cols = [c.strip() for c in line[1:].split(",")]
            continue
        if not cols:
            continue
        vals = [v.strip() for v in line.split(",")]
        row = dict(zip(cols, vals))
        try:
            t = float(row.get("relative_time", row.get("unix_time", 0)))
            pts.append((t + t_offset, int(row["edges_found"])))
        except (KeyError, ValueError):
            pass
    return pts


def target_stats(out, meta, target):
    rows = []
    lf = os.path.join(out, "work", "libfuzzer", target)
    if os.path.isdir(lf):
        execs = new = cov = runs = 0
        secs = 0.0
        rate_fallback = 0
        for name in sorted(os.listdir(os.path.join(lf, "logs")) if os.path.isdir(os.path.join(lf, "logs")) else []):
            s = libfuzzer_stats(read(os.path.join(lf, "logs", name)))
            execs += s["execs"]
            new += s["new_units"]
            cov = max(cov, s["cov"])
            rate_fallback = s["last_rate"] or rate_fallback
        t_start, t_end = None, None
        for line in read(os.path.join(lf, "runs.tsv")).splitlines():
            p = line.split()
            if len(p) >= 3:
                runs += 1
                secs += max(0, int(p[2]) - int(p[1]))
                t_start = int(p[1]) if t_start is None else min(t_start, int(p[1]))
                t_end = int(p[2]) if t_end is None else max(t_end, int(p[2]))
        # Throughput of all the target's instances together, like AFL's.
        wall = (t_end - t_start) if t_start is not None else 0
        rate = int(execs / wall) if wall > 0 else rate_fallback
        rows.append({"engine": "libfuzzer", "execs": execs,
                     "execs_per_sec": rate, "coverage": cov,
                     "coverage_unit": "cov (libFuzzer edges)",
                     "new_units": new, "runs": runs, "seconds": secs,
                     "seeds": count_files(os.path.join(lf, "seeds")),
                     "series": read_series(os.path.join(lf, "cov.tsv"))})
    afl = os.path.join(out, "work", "afl", target)
    if os.path.isdir(afl):
        sync = os.path.join(afl, "sync")
        execs = new = edges = rate = 0
        secs = 0.0
        series = []
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
            if inst == "main":
                series = afl_plot(os.path.join(sync, inst), 0)
                stability = st.get("stability", "")
        rows.append({"engine": "afl", "execs": execs, "execs_per_sec": rate,
                     "coverage": edges, "coverage_unit": "edges_found (AFL map)",
                     "new_units": new, "runs": len(insts), "seconds": secs,
                     "instances": insts, "stability": stability,
                     "seeds": count_files(os.path.join(afl, "in")),
                     "series": sorted(set(series) | set(read_series(os.path.join(afl, "cov.tsv"))))})
    return rows


# ---------------------------------------------------------------- report
