"""The combinations a corpus actually reached.

Reads replayer --summary lines, each prefixed with the target's name
(TARGET<TAB>FILE<TAB>key=value ...), and writes OUT/matrix.json and
OUT/matrix.txt: platform x policy (split/packed) and platform x negotiated
feature, counting the inputs that *reached* their combination, meaning the
device put at least one buffer in the used ring. An input that only gets
refused or breaks the queue before that tests the refusal, not the
combination.

usage: matrix.py OUT < summaries
"""
import collections
import json
import sys

FEATURES = ["indirect", "event-idx", "version-1", "access-platform",
            "packed", "in-order", "notification-data", "ring-reset"]


POLICY_SHORT = {"quirk-2016": "quirk16", "direct-ops-2018": "ops18",
                "direct-ops-2018-xen": "ops18-xen", "protected-2020": "prot20"}


def parse(lines):
    for line in lines:
        parts = line.rstrip("\n").split("\t")
        if len(parts) != 3:
            continue
        target, path, words = parts
        fields = dict(w.split("=", 1) for w in words.split() if "=" in w)
        # a line without a platform: an input of a newer format, counted
        # among the inputs but reaching nothing
        yield target, path, fields if "platform" in fields else {}


def ordered(seen, preferred):
    """preferred order first, anything new after it, sorted."""
    return [x for x in preferred if x in seen] + sorted(seen - set(preferred))


def main():
    out = sys.argv[1]
    inputs = list(parse(sys.stdin))
    per_target = collections.Counter()
    reached_per_target = collections.Counter()
    cells = collections.Counter()        # (platform, policy, layout)
    features = collections.Counter()     # (platform, feature)
    paths = collections.Counter()        # (platform, path)
    platforms, policies = set(), set()
    for target, _, f in inputs:
        per_target[target] += 1
        if not f:
            continue
        platforms.add(f["platform"])
        policies.add(f["policy"])
        if int(f.get("used", "0")) == 0:
            continue
        reached_per_target[target] += 1
        cells[(f["platform"], f["policy"], f["layout"])] += 1
        paths[(f["platform"], f["path"])] += 1
        for feat in f.get("negotiated", "").split(","):
            if feat and feat != "none":
                features[(f["platform"], feat)] += 1

    plat_order = ordered(platforms, [])
    pol_order = ordered(policies, ["never", "quirk-2016", "direct-ops-2018",
                                   "direct-ops-2018-xen", "protected-2020",
                                   "today"])
    lines = []
    lines.append("inputs that reached their combination (the device used a buffer):")
    for t in sorted(per_target):
        lines.append("  %-12s %5d of %d" % (t, reached_per_target[t], per_target[t]))
    lines.append("")
    lines.append("platform x policy: reaching inputs, split/packed ('.' none)")
    width = 9
    lines.append("%-16s" % "" + "".join(" %*s" % (width, POLICY_SHORT.get(p, p)[:width])
                                        for p in pol_order))
    for plat in plat_order:
        row = []
        for pol in pol_order:
            s, p = cells[(plat, pol, "split")], cells[(plat, pol, "packed")]
            row.append(" %*s" % (width, "%d/%d" % (s, p) if s or p else "."))
        lines.append("%-16s" % plat + "".join(row))
    lines.append("")
    lines.append("platform x negotiated feature and DMA path: reaching inputs")
    cols = FEATURES + ["dma-api", "phys"]
    short = {"indirect": "indir", "event-idx": "evidx", "version-1": "v1",
             "access-platform": "ap", "packed": "packed", "in-order": "inord",
             "notification-data": "ndata", "ring-reset": "reset",
             "dma-api": "dma-api", "phys": "phys"}
    lines.append("%-16s" % "" + "".join(" %7s" % short[c] for c in cols))
    for plat in plat_order:
        row = [features[(plat, c)] for c in FEATURES]
        row += [paths[(plat, c)] for c in ("dma-api", "phys")]
        lines.append("%-16s" % plat + "".join(" %7s" % (n or ".") for n in row))
    reached_cells = sum(1 for v in cells.values() if v)
    lines.append("")
    lines.append("policies: " + ", ".join("%s = %s" % (POLICY_SHORT.get(p, p), p)
                                          for p in pol_order if POLICY_SHORT.get(p, p) != p))
    lines.append("%d platform x policy x layout combinations reached" % reached_cells)
    text = "\n".join(lines) + "\n"
    with open(out + "/matrix.txt", "w") as f:
        f.write(text)
    with open(out + "/matrix.json", "w") as f:
        json.dump({
            "inputs": dict(per_target),
            "reached": dict(reached_per_target),
            "platform_policy_layout": [
                {"platform": k[0], "policy": k[1], "layout": k[2], "inputs": v}
                for k, v in sorted(cells.items())],
            "platform_feature": [
                {"platform": k[0], "feature": k[1], "inputs": v}
                for k, v in sorted(features.items())],
            "platform_path": [
                {"platform": k[0], "path": k[1], "inputs": v}
                for k, v in sorted(paths.items())],
        }, f, indent=2)
    sys.stdout.write(text)
    return 0 if inputs else 1


if __name__ == "__main__":
    sys.exit(main())
