"""Triage of a scripts/fuzz campaign directory: replay, classify and
deduplicate the crashes, match them against the catalogue, write
OUT/report.json and OUT/report.html, print the summary (finish).

    python3 -m vrsim.triage finish OUT [--nightly]
                        the same from the command line; exits with the
                        campaign's status (vrsim/status.py)
    python3 -m vrsim.triage execs LOG
                        print "execs execs_per_sec" from a libFuzzer log

Reads what scripts/fuzz left in OUT (meta.json, work/<engine>/<target>/...).
Never writes outside OUT. Standard library only.
"""
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys

from . import catalogue
from . import report as campaign_report
from . import stats
from . import status as exit_rules
from .common import read
from .files import DiskFull, disk_full, write_whole

FINDING_RE = re.compile(r"vrsim: finding \[([^\]]+)\]: (.*)")
SUMMARY_RE = re.compile(r"SUMMARY: (\w+Sanitizer|libFuzzer): (.*)")
ERROR_RE = re.compile(r"==\d+==\s*ERROR: (\w+Sanitizer|libFuzzer): (.*)")
UBSAN_RE = re.compile(r"(\S+:\d+:\d+): runtime error: (.*)")
FRAME_RE = re.compile(r"^\s*#(\d+) 0x[0-9a-f]+ in (\S+)(?: (\S+))?")
# -fork=1 status lines: "#2622: cov: 10 ft: 8 corp: 3 exec/s 24 oom/timeout/crash: 0/2/7 ..."

# Frames that belong to the runtimes and to the oracle's own reporting path,
# not to the code that went wrong: skipped when taking the top frames.
NOISE_RE = re.compile(
    r"^(__sanitizer|__asan|__ubsan|__lsan|__interceptor|__interception|"
    r"fuzzer::|__libc|__GI_|__pthread|pthread_kill|raise|abort|gsignal|"
    r"_start|main$|__restore_rt|vrs_report|vrs_oracle_|trap$|"
    r"LLVMFuzzerTestOneInput|run_file|run_path|"
    r"malloc|calloc|realloc|free|operator|std::|"
    r"\?\?)")

MAX_TRIAGE = 400

# ---------------------------------------------------------------- parsing




def frames_of(text):
    """Function names of the first stack trace after the error, noise out."""
    out = []
    started = False
    for line in text.splitlines():
        m = FRAME_RE.match(line)
        if not m:
            if started and out:
                break
            continue
        started = True
        fn = m.group(2)
        if NOISE_RE.match(fn):
            continue
        out.append(fn)
    return out


def classify(text, fallback_kind):
    """(kind, message, frames, summary) of one crash's output."""
    frames = frames_of(text)
    m = FINDING_RE.search(text)
    if m:
        return m.group(1), m.group(2).strip(), frames, ""
    summary = ""
    m = SUMMARY_RE.search(text)
    if m:
        summary = "%s: %s" % (m.group(1), m.group(2).strip())
    m = UBSAN_RE.search(text)
    if m:
        return "ubsan", "%s: %s" % (m.group(1), m.group(2)), frames, summary
    m = ERROR_RE.search(text)
    if m:
        what = m.group(2).strip()
        kind = what.split()[0].rstrip(":") if what else fallback_kind
        if m.group(1) == "libFuzzer":
            kind = {"deadly": "crash", "out-of-memory": "out-of-memory",
                    "timeout": "timeout"}.get(kind, kind)
        return kind, "%s: %s" % (m.group(1), what), frames, summary
    if "Sanitizer" in text:
        return fallback_kind, summary or "sanitizer report", frames, summary
    return fallback_kind, "", frames, summary


def dedup_key(kind, frames, summary):
    if frames:
        return "%s|%s" % (kind, "|".join(frames[:3]))
    if summary:
        return "%s|%s" % (kind, re.sub(r"0x[0-9a-f]+", "ADDR", summary))
    return kind


def sha1_file(path):
    h = hashlib.sha1()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


# ---------------------------------------------------------------- triage


def run_capture(cmd, timeout, env=None, merge=True):
    """(status, output) of CMD; its stderr is merged in unless MERGE is
    false (a decoded program must not have the replayer's notes in it)."""
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT if merge else subprocess.DEVNULL,
                           timeout=timeout, env=env)
        return p.returncode, p.stdout.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace")
        return None, out + "\n[triage: still running after %ds]\n" % timeout
    except OSError as e:
        return -1, "[triage: cannot run %s: %s]\n" % (cmd[0], e)


def candidates(out, meta, target):
    """Every raw crash of TARGET: (path, engine, fallback kind, log text)."""
    found = []
    lf = os.path.join(out, "work", "libfuzzer", target)
    logs = {}
    logdir = os.path.join(lf, "logs")
    if os.path.isdir(logdir):
        for name in sorted(os.listdir(logdir)):
            logs[name] = read(os.path.join(logdir, name))
    art = os.path.join(lf, "artifacts")
    if os.path.isdir(art):
        for name in sorted(os.listdir(art)):
            kind = name.split("-", 1)[0]
            if kind in ("slow",):
                continue
            path = os.path.join(art, name)
            log = next((t for t in logs.values() if name in t), "")
            fb = {"crash": "crash", "timeout": "timeout", "oom": "out-of-memory",
                  "leak": "leak"}.get(kind, kind)
            found.append((path, "libfuzzer", fb, log))
    sync = os.path.join(out, "work", "afl", target, "sync")
    if os.path.isdir(sync):
        for inst in sorted(os.listdir(sync)):
            for sub, fb in (("crashes", "crash"), ("hangs", "hang")):
                d = os.path.join(sync, inst, sub)
                if not os.path.isdir(d):
                    continue
                for name in sorted(os.listdir(d)):
                    if name.startswith("id:"):
                        found.append((os.path.join(d, name), "afl", fb, ""))
    return found


def build_dir(meta, preset):
    """Where scripts/fuzz built PRESET: build/PRESET, or the build with the
    catalogue's candidate fixes applied (--apply-fixes)."""
    return meta.get("builds", {}).get(preset) or os.path.join(meta["top"], "build", preset)


def kernel_releases(build):
    """{tag: release} of the kernels a build holds ({"6.1": "6.1.192"})."""
    return catalogue.build_kernels(build)


def target_kernel(target, releases):
    """The kernel release a Linux target runs ("" for vrsim's own)."""
    m = re.match(r"fuzz_linux_\w+?(?:-([0-9]+\.[0-9]+))?$", target)
    if not m:
        return ""
    tag = m.group(1) or (sorted(releases, key=lambda t: [int(x) for x in t.split(".")])[-1]
                         if releases else "")
    return releases.get(tag, tag)


def catalogued(f, entries, releases):
    """Mark finding F with the catalogue entry it matches, if any."""
    e = catalogue.match(entries, f["target"], f["kind"], f["frames"], f["message"])
    f["kernel"] = target_kernel(f["target"], releases)
    if not e:
        f["catalogue"] = None
        return
    f["catalogue"] = {"entry": e.name, "title": e.title, "verdict": e.one("Verdict"),
                      "kernels": e.kernels, "path": "catalogue/%s/entry" % e.name}
    # an unfixed kernel bug is not a regression input of vrsim's corpora
    f["keep"] = "(a catalogued kernel finding: see %s)" % f["catalogue"]["path"]


def triage(out, meta, target):
    """Deduplicated findings of TARGET, copied to OUT/crashes/TARGET/."""
    top = meta["top"]
    lfbin = os.path.join(build_dir(meta, "libfuzzer"), "fuzz", target)
    replay = os.path.join(build_dir(meta, "default"), "fuzz", "replay_" + target)
    env = dict(os.environ)
    groups = {}
    order = []
    hangs_dropped = 0
    cands = candidates(out, meta, target)
    # Replaying costs ~0.1 s each: triage a bounded sample, keep them all.
    untriaged = max(0, len(cands) - MAX_TRIAGE)
    for path, engine, fb, log in cands[:MAX_TRIAGE]:
        if fb in ("timeout", "out-of-memory"):
            # Replaying would take as long or as much again: the fuzzer's
            # own log already holds the stack.
            text = log
        elif fb == "hang":
            # AFL's -t is short; only a hang that still outlasts the
            # libFuzzer timeout under the plain replayer is a finding.
            rc, text = run_capture([replay, path], 25)
            if rc is not None:
                hangs_dropped += 1
                continue
            text = "ERROR: libFuzzer: timeout (replay of an AFL hang ran over 25 s)\n" + text
        elif os.path.exists(lfbin):
            rc, text = run_capture([lfbin, "-timeout=25", "-rss_limit_mb=2560",
                                    path], 90, env)
            if rc == 0:
                text = log or text
                if not log:
                    fb = "unreproducible"
        else:
            text = log
        kind, msg, frames, summary = classify(text, fb)
        if not msg:
            msg = "%s (its fuzzer output was not kept: fork mode or AFL++)" % kind
        key = dedup_key(kind, frames, summary)
        if key not in groups:
            groups[key] = {"kind": kind, "message": msg, "frames": frames[:3],
                           "summary": summary, "files": [], "engines": set(),
                           "text": text}
            order.append(key)
        g = groups[key]
        g["files"].append(path)
        g.setdefault("by_file", {})[path] = (msg, text)
        g["engines"].add(engine)
    findings = []
    dest = os.path.join(out, "crashes", target)
    for key in order:
        g = groups[key]
        # Keep the smallest input of each group as its representative.
        rep = min(g["files"], key=lambda p: (os.path.getsize(p), p))
        g["message"], g["text"] = g["by_file"][rep]
        os.makedirs(dest, exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", g["kind"])
        base = "%s-%s" % (safe, hashlib.sha1(key.encode()).hexdigest()[:10])
        file = os.path.join(dest, base)
        shutil.copyfile(rep, file)
        with open(file + ".txt", "w") as f:
            f.write(g["text"])
        rc, decoded = run_capture([replay, "--decode", file], 30, merge=False)
        if rc != 0 and not decoded:
            decoded = "(no decoder: %s not built)" % replay
        with open(file + ".decoded.txt", "w") as f:
            f.write(decoded)
        rel = os.path.relpath(file, top)
        shown = rel if not rel.startswith("..") else file
        via = "" if replay == os.path.join(top, "build", "default", "fuzz", "replay_" + target) \
            else "--replayer %s " % replay
        findings.append({
            "target": target, "key": key, "kind": g["kind"], "message": g["message"],
            "frames": g["frames"], "summary": g["summary"], "file": file,
            "count": len(g["files"]), "engines": sorted(g["engines"]),
            "reproduce": "scripts/reproduce %s%s %s" % (via, target, shown),
            "keep": "scripts/reproduce --add-regression NAME %s %s" % (target, shown),
            "decoded": decoded,
        })
    # Every raw crash input stays in the out dir: list them all.
    return findings, hangs_dropped, untriaged


# ---------------------------------------------------------------- stats


def finish(out, nightly=False):
    try:
        with open(os.path.join(out, "meta.json")) as f:
            meta = json.load(f)
    except (OSError, ValueError) as e:
        print("campaign: %s/meta.json cannot be read (%s): was the disk full? The inputs "
              "and crashes are still in %s/work" % (out, e, out), file=sys.stderr)
        return None
    report = {"campaign": meta, "targets": [], "findings": 0, "catalogued": 0}
    os.makedirs(os.path.join(out, "crashes"), exist_ok=True)
    entries = catalogue.load(meta["top"])
    releases = kernel_releases(build_dir(meta, "default"))
    report["kernels"] = releases
    for target in meta["targets"]:
        findings, hangs_dropped, untriaged = triage(out, meta, target)
        for f in findings:
            catalogued(f, entries, releases)
        report["targets"].append({
            "target": target,
            "engines": stats.target_stats(out, meta, target),
            "corpus_units": stats.count_files(os.path.join(out, "corpus", target)),
            "corpus_dir": os.path.join(out, "corpus", target),
            "findings": findings,
            "afl_hangs_not_reproduced": hangs_dropped,
            "crashes_not_triaged": untriaged,
        })
        report["findings"] += len(findings)
        report["catalogued"] += sum(1 for f in findings if f["catalogue"])
        for r in report["targets"][-1]["engines"]:
            if r["execs"] == 0:
                report.setdefault("failed", []).append("%s/%s" % (target, r["engine"]))
    write_whole(os.path.join(out, "report.json"), json.dumps(report, indent=1) + "\n")
    campaign_report.write_html(out, report)
    status = campaign_status(report)
    print_summary(out, report, nightly, status)
    return status


def campaign_status(report):
    """The exit status of the campaign REPORT tells of (one-shot: every
    finding not in the catalogue is new)."""
    return exit_rules.exit_status(new=report["findings"] - report["catalogued"],
                                  known=report["catalogued"], failed=report.get("failed"),
                                  interrupted=bool(report["campaign"].get("interrupted")))


def known_rows(findings):
    """Catalogued findings, one row per catalogue entry however many
    targets, kernels and oracles saw it: [(entry, [findings])]."""
    rows = {}
    for f in findings:
        if f.get("catalogue"):
            rows.setdefault(f["catalogue"]["entry"], []).append(f)
    return sorted(rows.items())


def affects(fs):
    """The kernels a group of findings was seen on, in version order."""
    ks = {f.get("kernel") for f in fs if f.get("kernel")}
    return ", ".join(sorted(ks, key=lambda k: [int(x) if x.isdigit() else 0
                                               for x in k.split(".")]))


def print_summary(out, report, nightly=False, status=None):
    m = report["campaign"]
    print()
    print("== vrsim fuzz campaign: %s s per target, engine %s, %s job(s)%s"
          % (m["duration"], m["engine"], m["jobs"],
             ", INTERRUPTED" if m.get("interrupted") else ""))
    fmt = "%-14s %-10s %10s %9s %9s %8s %9s"
    print(fmt % ("target", "engine", "execs/s", "coverage", "new units",
                 "corpus", "findings"))
    for t in report["targets"]:
        for r in t["engines"]:
            print(fmt % (t["target"], r["engine"], "{:,}".format(r["execs_per_sec"]),
                         r["coverage"], r["new_units"], t["corpus_units"],
                         len(t["findings"])))
        if not t["engines"]:
            print(fmt % (t["target"], "not run", "-", "-", "-", t["corpus_units"],
                         len(t["findings"])))
    print("(coverage: libFuzzer cov: edges; AFL edges_found)")
    for t in report["targets"]:
        if t["crashes_not_triaged"]:
            print("note: %s: %d more crashing inputs were not triaged (kept in %s/work/)"
                  % (t["target"], t["crashes_not_triaged"], out))
    for name in report.get("failed", []):
        print("FAILED: %s ran no input: see %s/work/%s/logs" % (name, out, name.split("/")[1] + "/" + name.split("/")[0]))
    if nightly:
        # the work dir's own summary says what is new and what is known
        return
    every = [f for t in report["targets"] for f in t["findings"]]
    for f in every:
        if f.get("catalogue"):
            continue
        print()
        print("FINDING %s [%s]: %s" % (f["target"], f["kind"], f["message"] or f["summary"]))
        if f["frames"]:
            print("  top frames: %s" % " < ".join(f["frames"]))
        print("  %d crashing input(s); reproduce with:" % f["count"])
        print("    %s" % f["reproduce"])
        print("  keep it as a regression input:  %s" % f["keep"])
    print_known(every)
    print()
    print("report: %s/report.html and report.json; merged corpora in %s/corpus/"
          % (out, out))
    print("source coverage of the merged corpora: scripts/coverage %s" % out)
    status = campaign_status(report) if status is None else status
    new = report["findings"] - report["catalogued"]
    if status == exit_rules.NEW_FINDING:
        print("RESULT: %d unique finding(s) not in the catalogue%s -- exit 1"
              % (new, " (and %d catalogued)" % report["catalogued"]
                 if report["catalogued"] else ""))
    elif status == exit_rules.FAILED:
        print("RESULT: the campaign did not run every target -- exit 4")
    elif status == exit_rules.INTERRUPTED:
        print("RESULT: interrupted, nothing new found so far%s -- exit 130"
              % (" (%d catalogued)" % report["catalogued"] if report["catalogued"] else ""))
    elif status == exit_rules.KNOWN_ONLY:
        print("RESULT: only catalogued findings (%s) -- exit 3"
              % ", ".join(e for e, _ in known_rows(every)))
    else:
        print("RESULT: nothing found -- exit 0")


def print_known(findings):
    """One block per catalogue entry: what it is, where it was seen."""
    for entry, fs in known_rows(findings):
        c = fs[0]["catalogue"]
        print()
        print(catalogue.describe(c["title"], entry, c["verdict"],
                                 affects(fs).split(", ") if affects(fs) else c["kernels"]))
        for line in dict.fromkeys("  seen as %s [%s]: %s" % (f["target"], f["kind"],
                                                              f["message"] or f["summary"])
                                  for f in fs):
            print(line)
        print("  reproduce: %s" % fs[0]["reproduce"])


def finish_or_fail(out, nightly=False):
    """finish's status, or None when triage itself failed: a file that
    cannot be written (a full disk) said in one line, not a traceback."""
    try:
        return finish(out, nightly)
    except DiskFull as e:
        print("campaign: %s (disk full?); the inputs and crashes are still in %s/work"
              % (e, out), file=sys.stderr)
    except OSError as e:
        print("campaign: %s: %s%s; the inputs and crashes are still in %s/work"
              % (e.filename or out, e.strerror, " (disk full?)" if disk_full(e) else "", out),
              file=sys.stderr)
    return None


def main(argv):
    if len(argv) in (3, 4) and argv[1] == "finish":
        status = finish_or_fail(argv[2], argv[3:] == ["--nightly"])
        return exit_rules.FAILED if status is None else status
    if len(argv) == 3 and argv[1] == "execs":
        s = stats.libfuzzer_stats(read(argv[2]))
        print(s["execs"], s["last_rate"])
        return 0
    if len(argv) == 3 and argv[1] == "classify":
        print(json.dumps(classify(read(argv[2]), "crash")))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
