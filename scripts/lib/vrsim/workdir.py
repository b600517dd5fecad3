"""The persistent work directory of nightly campaigns (scripts/fuzz --workdir):
refusing one that cannot be used, the nights a killed run left, the
findings remembered night after night, the history.

DIR holds corpus/TARGET (the corpus that grows night after night),
findings/TARGET/ID (each unique finding: minimised input, decoded program,
finding.json with first and last night seen), history.jsonl (one record a
night), nights/NIGHT (that night's scripts/fuzz out dir), VERSION.
Every file is written whole (a temp file, then rename), so a run killed at
any moment, or a full disk, leaves the previous version in place.
Standard library only.
"""
import collections
import hashlib
import json
import os
import re
import time

from . import status as night_status_rules
from . import triage
from .common import read
from .files import DiskFull, Refused, copy_whole, disk_full, load_json, write_whole  # noqa: F401

WORKDIR_FORMAT = 1
# What a recorded night tells its run: its exit status, how many findings
# were new, how many known (seen before or catalogued), the targets that
# ran no input, whether it was cut short.
Night = collections.namedtuple("Night", "status new known failed interrupted")
# Kinds whose input is not minimised: every try would run as long, or
# take as much memory, as the finding itself.
NOT_MINIMISED = ("timeout", "out-of-memory", "leak", "hang")
MINIMISE_SECONDS = 60


def minimise_seconds(left_to_do):
    """At most a minute a finding, less when the run's --budget (the
    deadline scripts/fuzz passes in VRSIM_DEADLINE) is running out."""
    try:
        deadline = int(os.environ.get("VRSIM_DEADLINE", "0"))
    except ValueError:
        deadline = 0
    if not deadline:
        return MINIMISE_SECONDS
    share = (deadline - time.time() - 30) / max(1, left_to_do)
    return int(max(0, min(MINIMISE_SECONDS, share)))


# ---------------------------------------------------------------- files


def read_history(wd):
    """The history records, oldest first; a corrupt line refuses the dir."""
    path = os.path.join(wd, "history.jsonl")
    records = []
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return records
    except OSError as e:
        raise Refused("cannot read %s: %s" % (path, e.strerror))
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            if not isinstance(rec, dict) or "night" not in rec:
                raise ValueError("not a night's record")
        except ValueError as e:
            raise Refused("%s: line %d is not a JSON record (%s); nothing was changed: "
                          "repair or delete that line and run again" % (path, n, e))
        records.append(rec)
    return records


def input_version(top):
    text = read(os.path.join(top, "sim", "include", "sim", "input.h"))
    m = re.search(r"#define VRS_INPUT_VERSION (\d+)", text)
    return int(m.group(1)) if m else 0


def finding_dirs(wd):
    root = os.path.join(wd, "findings")
    for target in sorted(os.listdir(root)) if os.path.isdir(root) else []:
        tdir = os.path.join(root, target)
        for fid in sorted(os.listdir(tdir)) if os.path.isdir(tdir) else []:
            if not fid.startswith("."):
                yield target, fid, os.path.join(tdir, fid)


# ---------------------------------------------------------------- check


def check(wd, top):
    """Make sure WD can hold a night; say what it starts from."""
    if not os.path.isdir(wd):
        raise Refused("no work directory %s: create it with 'mkdir -p %s' (an empty "
                      "directory starts a new history)" % (wd, wd))
    probe = os.path.join(wd, ".write-test")
    try:
        with open(probe, "w") as f:
            f.write("x")
        os.unlink(probe)
    except OSError as e:
        if disk_full(e):
            raise DiskFull("cannot write in %s: %s" % (wd, e.strerror))
        raise Refused("cannot write in work directory %s: %s" % (wd, e.strerror))
    ours = input_version(top)
    vpath = os.path.join(wd, "VERSION")
    v = load_json(vpath)
    entries = [n for n in os.listdir(wd) if not n.startswith(".")]
    if v is None:
        if entries and entries != ["VERSION"]:
            raise Refused("%s is not empty and has no VERSION file: it is not a vrsim work "
                          "directory (use an empty or new one)" % wd)
        v = {"workdir": WORKDIR_FORMAT, "input_version": ours}
        write_whole(vpath, json.dumps(v) + "\n")
        print("   new work directory %s (its first night)" % wd)
    if not isinstance(v, dict) or not isinstance(v.get("workdir"), int):
        raise Refused("%s: not a vrsim work directory VERSION file" % vpath)
    if v["workdir"] > WORKDIR_FORMAT:
        raise Refused("%s was written by a newer vrsim (work directory format %d; this one "
                      "reads %d): use that vrsim or another work directory"
                      % (wd, v["workdir"], WORKDIR_FORMAT))
    theirs = v.get("input_version", ours)
    if theirs > ours:
        raise Refused("%s holds inputs of version %d, newer than this vrsim's %d: use a "
                      "newer vrsim or another work directory" % (wd, theirs, ours))
    if theirs < ours:
        # Old inputs stay: the targets decode every older version as it was
        # (sim/input.h), and the merge keeps those that still add coverage.
        print("   %s: its corpus was started with input version %d; those inputs are kept "
              "and replay as version %d rules say (this vrsim writes version %d)"
              % (wd, theirs, theirs, ours))
    for d in ("corpus", "findings", "nights"):
        os.makedirs(os.path.join(wd, d), exist_ok=True)
    read_history(wd)
    for _, _, fdir in finding_dirs(wd):
        if load_json(os.path.join(fdir, "finding.json")) is None:
            # a finding killed half-way: its input is kept, re-triaged
            print("   note: %s has no finding.json (an interrupted run); kept as it is" % fdir)
    return 0


def pending(wd):
    """Nights started and never recorded, oldest first."""
    root = os.path.join(wd, "nights")
    recorded = {r["night"] for r in read_history(wd)}
    return [n for n in (sorted(os.listdir(root)) if os.path.isdir(root) else [])
            if os.path.isdir(os.path.join(root, n)) and n not in recorded
            and not os.path.exists(os.path.join(root, n, ".finished"))]


def salvage(wd, night):
    """Every queue entry of a night that never merged, into the corpus:
    copied (named by content, as libFuzzer names them), none dropped."""
    work = os.path.join(wd, "nights", night, "work")
    queues = []
    for engine in ("libfuzzer", "afl"):
        root = os.path.join(work, engine)
        for t in sorted(os.listdir(root)) if os.path.isdir(root) else []:
            if engine == "libfuzzer":
                queues.append((t, os.path.join(root, t, "queue")))
            else:
                sync = os.path.join(root, t, "sync")
                for inst in sorted(os.listdir(sync)) if os.path.isdir(sync) else []:
                    queues.append((t, os.path.join(sync, inst, "queue")))
    added = {}
    for t, q in queues:
        dst = os.path.join(wd, "corpus", t)
        os.makedirs(dst, exist_ok=True)
        for name in sorted(os.listdir(q)) if os.path.isdir(q) else []:
            src = os.path.join(q, name)
            if name.startswith(".") or not os.path.isfile(src):
                continue
            h = triage.sha1_file(src)
            if not os.path.exists(os.path.join(dst, h)):
                copy_whole(src, os.path.join(dst, h))
                added[t] = added.get(t, 0) + 1
    for t in sorted(added):
        print("   %s: %d input(s) of the killed night added to %s/corpus/%s" % (t, added[t], wd, t))


# ---------------------------------------------------------------- findings


def finding_id(kind, key):
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", kind)
    return "%s-%s" % (safe, hashlib.sha1(key.encode()).hexdigest()[:10])


def minimise(builds, target, src, key, work, seconds):
    """The smallest input libFuzzer's -minimize_crash finds that still
    raises the same finding (same dedup key); SRC itself when none does."""
    lf = os.path.join(builds["libfuzzer"], "fuzz", target)
    if not os.path.exists(lf) or seconds < 1:
        return src, False
    os.makedirs(work, exist_ok=True)
    triage.run_capture([lf, "-minimize_crash=1", "-max_total_time=%d" % seconds,
                          "-runs=100000", "-timeout=25", "-rss_limit_mb=2560",
                          "-artifact_prefix=%s/" % work, src], seconds + 60)
    best = src
    for name in sorted(os.listdir(work), key=lambda n: os.path.getsize(os.path.join(work, n))):
        cand = os.path.join(work, name)
        if os.path.getsize(cand) >= os.path.getsize(src):
            break
        _, text = triage.run_capture([lf, "-timeout=25", "-rss_limit_mb=2560", cand], 60)
        kind, _, frames, summary = triage.classify(text, "crash")
        if triage.dedup_key(kind, frames, summary) == key:
            best = cand
            break
    return best, best != src


def remember(wd, night, top, findings, builds=None):
    """Merge NIGHT's findings into WD/findings; (new ids, known ids,
    catalogued ids): a finding of the kernel catalogue is never new.
    BUILDS: {"libfuzzer": DIR, "default": DIR}, TOP/build/PRESET unless
    given."""
    builds = builds or {p: os.path.join(top, "build", p) for p in ("libfuzzer", "default")}
    new, known, listed = [], [], []
    for f in findings:
        key = f["key"]
        fid = finding_id(f["kind"], key)
        fdir = os.path.join(wd, "findings", f["target"], fid)
        meta_path = os.path.join(fdir, "finding.json")
        old = load_json(meta_path) if os.path.isdir(fdir) else None
        if old is not None:
            if night not in old.get("seen_nights", []):
                old["nights"] = old.get("nights", 1) + 1
                old.setdefault("seen_nights", []).append(night)
                old["last_seen"] = night
            old["count"] = old.get("count", 0) + f["count"]
            # keep the smaller input of the two
            if os.path.getsize(f["file"]) < old.get("size", 1 << 62):
                copy_whole(f["file"], os.path.join(fdir, "input"))
                old["size"] = os.path.getsize(f["file"])
                old["minimized"] = False
            old["catalogue"] = f.get("catalogue")
            write_whole(meta_path, json.dumps(old, indent=1) + "\n")
            (listed if f.get("catalogue") else known).append(fid)
            continue
        os.makedirs(fdir, exist_ok=True)
        src, minimised = f["file"], False
        # a catalogued finding's minimised input is in its catalogue entry
        if f["kind"] not in NOT_MINIMISED and not f.get("catalogue"):
            todo = sum(1 for g in findings[findings.index(f):]
                       if g["kind"] not in NOT_MINIMISED and not g.get("catalogue"))
            src, minimised = minimise(builds, f["target"], f["file"], key,
                                      os.path.join(wd, "nights", night, "work", "minimise", fid),
                                      minimise_seconds(todo))
        inp = os.path.join(fdir, "input")
        copy_whole(src, inp)
        copy_whole(f["file"], os.path.join(fdir, "original"))
        replay = os.path.join(builds["default"], "fuzz", "replay_" + f["target"])
        _, decoded = triage.run_capture([replay, "--decode", inp], 30, merge=False)
        write_whole(os.path.join(fdir, "decoded.txt"), decoded)
        write_whole(os.path.join(fdir, "output.txt"), read(f["file"] + ".txt"))
        meta = {"key": key, "id": fid, "target": f["target"], "kind": f["kind"],
                "message": f["message"], "frames": f["frames"], "summary": f["summary"],
                "first_seen": night, "last_seen": night, "nights": 1, "seen_nights": [night],
                "count": f["count"], "input": "input", "decoded": "decoded.txt",
                "size": os.path.getsize(inp), "minimized": minimised,
                "original_size": os.path.getsize(f["file"]),
                "reproduce": "scripts/reproduce %s %s" % (f["target"], inp),
                "keep": "scripts/reproduce --add-regression NAME %s %s" % (f["target"], inp),
                "catalogue": f.get("catalogue"), "kernel": f.get("kernel")}
        if f.get("catalogue"):
            # an unfixed kernel bug is no regression input of vrsim's
            meta["keep"] = "(a catalogued kernel finding: see %s)" % f["catalogue"]["path"]
        write_whole(meta_path, json.dumps(meta, indent=1) + "\n")
        (listed if f.get("catalogue") else new).append(fid)
    return new, known, listed


# ---------------------------------------------------------------- history


def git_commit(top):
    rc, out = triage.run_capture(["git", "-C", top, "rev-parse", "HEAD"], 10)
    commit = out.strip() if rc == 0 else ""
    rc, out = triage.run_capture(["git", "-C", top, "status", "--porcelain",
                                    "--untracked-files=no"], 10)
    return commit, bool(out.strip()) if rc == 0 else None


def night_record(wd, night, top, report, new, known, listed, status, recovered):
    ndir = os.path.join(wd, "nights", night)
    cov = load_json(os.path.join(ndir, "coverage", "summary.json"))
    matrix = load_json(os.path.join(ndir, "coverage", "matrix.json"))
    m = report["campaign"]
    commit, dirty = git_commit(top)
    targets = {}
    for t in report["targets"]:
        per = {}
        for r in t["engines"]:
            per[r["engine"]] = {"execs": r["execs"], "execs_per_sec": r["execs_per_sec"],
                                "edges": r["coverage"]}
        ids = [finding_id(f["kind"], f["key"]) for f in t["findings"]]
        lines = None
        if cov and isinstance(cov.get("targets"), dict):
            lines = cov["targets"].get(t["target"], {}).get("lines")
        targets[t["target"]] = {"engines": per, "corpus": t["corpus_units"], "lines": lines,
                                "findings_new": sum(1 for i in ids if i in new),
                                "findings_known": sum(1 for i in ids if i in known or i in listed),
                                "findings_catalogued": sum(1 for i in ids if i in listed)}
    groups = None
    if cov:
        groups = {g: {k: v for k, v in cov[g].items() if k in ("lines", "branches", "functions")}
                  for g in cov if g.endswith("/") or g == "total"}
    html_rel = os.path.join("nights", night, "coverage", "html", "index.html")
    return {"night": night, "started": m.get("started"), "ended": m.get("ended"),
            "commit": commit, "dirty": dirty, "engine": m.get("engine"), "jobs": m.get("jobs"),
            "duration": m.get("duration"), "budget": m.get("budget"),
            "interrupted": bool(m.get("interrupted")) or recovered, "recovered": recovered,
            "status": status, "targets": targets,
            "findings": {"new": new, "known": known, "catalogued": listed},
            "fixes_applied": bool(m.get("fixes_applied")),
            "failed": report.get("failed", []),
            "coverage": groups,
            "coverage_html": html_rel if os.path.exists(os.path.join(wd, html_rel)) else None,
            "matrix": matrix}


def append_history(wd, rec):
    path = os.path.join(wd, "history.jsonl")
    lines = [json.dumps(r, sort_keys=True) for r in read_history(wd)]
    lines.append(json.dumps(rec, sort_keys=True))
    write_whole(path, "\n".join(lines) + "\n")


def record(wd, night, top, recovered=False):
    """Remember NIGHT's findings and append its history record: a Night."""
    ndir = os.path.join(wd, "nights", night)
    report = load_json(os.path.join(ndir, "report.json"))
    if report is None:
        raise Refused("%s/report.json is missing: the night was not triaged" % ndir)
    findings = [f for t in report["targets"] for f in t["findings"]]
    builds = {p: triage.build_dir(report["campaign"], p) for p in ("libfuzzer", "default")}
    new, known, listed = remember(wd, night, top, findings, builds)
    interrupted = bool(report["campaign"].get("interrupted")) or recovered
    # a killed night's targets ran short or not at all: that is the kill
    # (interrupted), not a failure of the harness
    status = night_status_rules.exit_status(new, known + listed, report.get("failed"),
                                            interrupted)
    rec = night_record(wd, night, top, report, new, known, listed, status, recovered)
    append_history(wd, rec)
    write_whole(os.path.join(ndir, ".finished"), "%d\n" % status)
    print_night(wd, night, new, known, recovered)
    if listed:
        triage.print_known([f for f in findings if f.get("catalogue")])
        print("%d catalogued kernel finding(s): not new, however often seen" % len(listed))
    return Night(status, len(new), len(known) + len(listed), report.get("failed") or [],
                 interrupted)


def print_night(wd, night, new, known, recovered):
    label = "night %s%s" % (night, " (finished now: a killed run left it)" if recovered else "")
    for fid in new + known:
        meta = None
        for _, i, fdir in finding_dirs(wd):
            if i == fid:
                meta = load_json(os.path.join(fdir, "finding.json"))
                break
        if not meta:
            continue
        if fid in new:
            print("NEW FINDING %s [%s]: %s" % (meta["target"], meta["kind"], meta["message"]))
            print("  input (%d bytes%s): %s/findings/%s/%s/input"
                  % (meta["size"], ", minimised from %d" % meta["original_size"]
                     if meta.get("minimized") else "", wd, meta["target"], fid))
            print("  reproduce: %s" % meta["reproduce"])
        else:
            print("KNOWN FINDING %s [%s]: %s (first seen %s, %d nights)"
                  % (meta["target"], meta["kind"], meta["message"], meta["first_seen"],
                     meta["nights"]))
    print("%s: %d new finding(s), %d known seen again" % (label, len(new), len(known)))
