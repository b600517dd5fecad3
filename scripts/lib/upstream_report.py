#!/usr/bin/env python3
"""Write a vrsim finding on a real kernel's virtio_ring.c up as a plain-text
report for the virtio maintainers: under 80 columns, no markup.

    upstream_report.py --top TOP --target TARGET --input FILE --release R
        --ring-c PATH --command CMD --finding F --log L --summary S
        --decode D [--source SRC] [--out OUT]

scripts/reproduce --report calls it: F holds the finding's line, L the
replayer's --verbose output (configuration, trace tail, sanitizer stacks),
S its --summary line, D its --decode program; PATH is the virtio_ring.c the
replayer was built from. Standard library only.
"""
import argparse
import base64
import contextlib
import hashlib
import io
import os
import re
import subprocess
import sys
import shlex
import textwrap

WIDTH = 72          # prose
MAX = 79            # any line
TRACE_LINES = 40    # the trace's tail kept

SPLIT = ("VIRTIO 1.2 section 2.7, Split Virtqueues", "split")
PACKED = ("VIRTIO 1.2 section 2.8, Packed Virtqueues", "packed")

# What each oracle holds the code to, when the spec has no section for it.
ORACLES = {
    "data-integrity": "vrsim's data-integrity oracle: every byte the device "
                      "reads is what the driver wrote, and every byte the "
                      "driver reads back is what the device wrote",
    "liveness": "vrsim's liveness oracle: every buffer the driver adds is "
                "used by an honest device and returned to the driver, and "
                "no call runs without end",
    "kernel-memory-leak": "vrsim's leak oracle: every allocation the ring "
                          "makes is freed when the queue is deleted",
    "dma-fault": "vrsim's bus: the device only touches memory the driver "
                 "mapped for it, in the direction it was mapped",
    "stale-iotlb": "vrsim's IOMMU model: no access through a mapping "
                   "after it was unmapped and the IOTLB flushed",
    "private-memory-access": "vrsim's platform model: the device never "
                             "reaches memory the guest did not share",
    "dma-api-misuse": "the DMA API's rules (Documentation/core-api/"
                      "dma-api.rst), as vrsim's DMA backends check them",
    "differential-divergence": "vrsim's differential oracle: the kernel's "
                               "ring and vrsim's give an honest device and "
                               "the same workload the same results",
    "vrsim-internal": "vrsim's own invariants (a bug in vrsim itself "
                      "until shown otherwise)",
}


def read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def wrap(text, indent="", width=WIDTH):
    return textwrap.fill(" ".join(text.split()), width=width,
                         initial_indent=indent, subsequent_indent=indent,
                         break_long_words=True, break_on_hyphens=False)


def clip(line, width=MAX):
    line = line.expandtabs(8).rstrip()
    return line if len(line) <= width else line[:width - 3] + "..."


def parse_finding(line):
    """(kind, message) of "vrsim: finding [KIND]: MESSAGE", a sanitizer's
    "SUMMARY: ..." line or a timeout."""
    line = line.strip()
    m = re.match(r"vrsim: finding \[([^\]]+)\]: (.*)", line)
    if m:
        return m.group(1), m.group(2)
    if line.startswith("SUMMARY: "):
        return "sanitizer", line[len("SUMMARY: "):]
    if line.startswith("timeout"):
        return "timeout", line
    return "failure", line or "the replayer failed"


def sections(log):
    """The configuration lines and trace tail the replayer printed with
    its finding, and the first sanitizer stack's frames."""
    config, trace, frames = [], [], []
    where = None
    for line in log.splitlines():
        if line.startswith("---- vrsim: the input, decoded"):
            where = config
            continue
        if line.startswith("---- vrsim: trace tail"):
            where = trace
            continue
        if line.startswith("----") or line.startswith("=="):
            where = None
        m = re.match(r"\s*#\d+ 0x[0-9a-f]+ in (\S+)(?: (\S+))?", line)
        if m and len(frames) < 40 and (not frames or not line.strip().startswith("#0 ")):
            frames.append((m.group(1), m.group(2) or ""))
            continue
        if where is not None and line.strip():
            where.append(line.rstrip())
    return config, trace, frames


def config_map(lines):
    out = {}
    for line in lines:
        parts = line.split(None, 1)
        if len(parts) == 2 and re.match(r"^[a-z_]+$", parts[0]):
            out[parts[0]] = parts[1].strip()
    return out


def summary_map(text):
    line = text.strip().splitlines()[0] if text.strip() else ""
    words = line.split("\t", 1)[-1].split()
    return dict(w.split("=", 1) for w in words if "=" in w)


def program_events(decode):
    """The program's event lines ("[   N] ...") of the --decode output."""
    return [l.rstrip() for l in decode.splitlines() if re.match(r"^\[\s*\d+\]", l)]


def definitions(ring_c):
    """{function name: (line number, line)} of the file's definitions."""
    out = {}
    for n, line in enumerate(read(ring_c).splitlines(), 1):
        m = re.match(r"^(?:static\s+|inline\s+|noinline\s+|__\w+\s+|const\s+|"
                     r"unsigned\s+|struct\s+\w+\s+|\w+\s+)+\**(\w+)\(", line)
        if m and not line.rstrip().endswith(";"):
            out.setdefault(m.group(1), (n, line))
    return out


def kernel_doc(ring_c, name):
    """The kernel-doc comment above NAME's definition, as lines."""
    lines = read(ring_c).splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^/\*\*\s*$", line) and i + 1 < len(lines) and \
                re.match(r"^ \* %s\b" % re.escape(name), lines[i + 1]):
            doc = []
            for l in lines[i + 1:]:
                if l.strip().startswith("*/"):
                    break
                doc.append(re.sub(r"^ \* ?", "", l))
            return doc
    return []


def layout_of(summary, config):
    layout = summary.get("layout", "")
    if not layout:
        layout = "packed" if "packed" in config.get("offered", "") else "split"
    return layout


def functions_involved(kind, message, frames, events, layout, defs):
    """The kernel functions the finding names, its stack holds, and the
    trace went through, those the staged file defines, most telling first."""
    names = []

    def add(n):
        if n in defs and n not in names:
            names.append(n)
    for fn, loc in frames:
        if "virtio_ring.c" in loc:
            add(fn)
    for w in re.findall(r"\b([a-z_][a-z0-9_]+)\b", message):
        add(w)
    text = "\n".join(events[-TRACE_LINES:])
    if "driver add" in text:
        add("virtqueue_add_%s" % layout)
        if layout == "packed":
            add("virtqueue_add_indirect_packed")
    if "driver get" in text:
        add("virtqueue_get_buf_ctx_%s" % layout)
        add("detach_buf_%s" % layout)
    if "detach" in text or "reset" in text:
        add("virtqueue_detach_unused_buf_%s" % layout)
    return names[:6]


def expectation(kind, message, layout, ring_c, defs):
    """(expected, reference) lines for the finding's kind."""
    spec = PACKED if layout == "packed" else SPLIT
    if kind in ("protocol", "device-acceptance"):
        if re.search(r"refused|available|chain|descriptor", message):
            return ([wrap("The device finds available only the descriptors "
                          "of chains the driver made available, each chain "
                          "whole, and never one whose buffer the driver has "
                          "already unmapped.", "  ")],
                    spec[0])
        return ([wrap("The driver and the device follow the ring's "
                      "protocol for the %s layout." % spec[1], "  ")], spec[0])
    if kind == "api-contract":
        fn = next((w for w in re.findall(r"\b(virtqueue_\w+)\b", message)), "")
        out = [wrap("%s() returns what its kernel-doc in "
                    "drivers/virtio/virtio_ring.c promises." % (fn or "The API"), "  ")]
        doc = kernel_doc(ring_c, fn) if fn else []
        if not doc and fn:
            # virtqueue_add() is static; its callers carry the kernel-doc
            doc = kernel_doc(ring_c, "virtqueue_add_sgs")
            fn = "virtqueue_add_sgs" if doc else fn
        if doc:
            keep = [l for l in doc if re.search(r"Returns?|-E[A-Z]+|error|zero", l)]
            out.append("  kernel-doc of %s():" % fn)
            out.extend(clip("    " + l) for l in (keep or doc)[:8])
        return out, "the function's kernel-doc"
    if kind in ("kernel-bug", "kernel-warn"):
        what = "BUG_ON" if kind == "kernel-bug" else "WARN_ON"
        return ([wrap("The condition of the kernel's own %s never holds: "
                      "the ring's state is consistent." % what, "  ")],
                "the kernel's own %s" % what)
    if kind.startswith("dma-debug"):
        return ([wrap("Every DMA API call passes what CONFIG_DMA_API_DEBUG "
                      "checks: an unmap of a live mapping, of its size and "
                      "direction, with its mapping error checked.", "  ")],
                "the DMA API's rules (Documentation/core-api/dma-api.rst), "
                "as kernel/dma/debug.c checks them")
    if kind == "sanitizer":
        return ([wrap("No invalid memory access or undefined behaviour.", "  ")],
                "AddressSanitizer / UndefinedBehaviorSanitizer")
    if kind == "timeout":
        return ([wrap("Every ring call returns: none loops without end on "
                      "what the device wrote.", "  ")], "vrsim's liveness oracle")
    ref = ORACLES.get(kind, "vrsim's %s oracle" % kind)
    return ([wrap(ref[0].upper() + ref[1:] + ".", "  ")], ref.split(":")[0])


def subject(kind, message, layout):
    head = "[BUG] virtio_ring: %s: " % layout
    room = MAX - len("Subject: " + head)
    msg = re.sub(r"\bdevice q\d+ ", "device ", message.strip())
    first = msg.split("; ")[0]
    plain = re.sub(r"\s*\([^)]*\)", "", first)
    tail = plain.split(": ", 1)[-1]
    for cand in (msg, first, plain, tail):
        for h in (head, "[BUG] virtio_ring: "):
            if len("Subject: " + h + cand) <= MAX:
                return h + cand
    cut = tail[:room - 3].rsplit(" ", 1)[0]
    return head + cut + "..."


def catalogued(top, target, kind, frames, message):
    """The catalogue entry the finding matches, if catalogue.py is there."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    try:
        import catalogue  # pylint: disable=import-outside-toplevel
        with contextlib.redirect_stderr(io.StringIO()):
            entries = catalogue.load(top)
        return catalogue.match(entries, target, kind, [f for f, _ in frames], message)
    except Exception:  # a catalogue being written must not stop a report
        return None


def vrsim_commit(top):
    try:
        out = subprocess.run(["git", "-C", top, "rev-parse", "--short=12", "HEAD"],
                             capture_output=True, text=True, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def build(a):
    finding = read(a.finding).strip().splitlines()
    kind, message = parse_finding(finding[0] if finding else "")
    log = read(a.log)
    config_lines, trace, frames = sections(log)
    config = config_map(config_lines)
    summary = summary_map(read(a.summary))
    events = program_events(read(a.decode))
    if not config:
        config = config_map(read(a.decode).split("program:", 1)[0].splitlines())
    if not trace:  # a sanitizer stops the run before vrsim prints its tail
        trace = events
    layout = layout_of(summary, config)
    data = open(a.input, "rb").read()
    ring = open(a.ring_c, "rb").read() if os.path.isfile(a.ring_c) else b""
    defs = definitions(a.ring_c)
    release = a.release.split(" (")[0]
    out = []
    w = out.append

    w("Subject: " + subject(kind, message, layout))
    w("")
    w(wrap("vrsim, a user-space virtio ring simulator that builds the "
           "kernel's own drivers/virtio/virtio_ring.c unmodified against a "
           "small shim (the DMA API routed into simulated platforms, an "
           "honest or a hostile device on the other side), reports the "
           "following on Linux %s." % release))
    w("")
    w("Kernel")
    w("  Linux %s, drivers/virtio/virtio_ring.c" % a.release)
    w("  sha1sum %s" % (hashlib.sha1(ring).hexdigest() if ring else "(file not found)"))
    if a.source:
        w(clip("  built from %s" % a.source))
    w("")
    w("Platform and negotiated features")
    dma = {"dma-api": "yes (vring_use_dma_api())", "phys": "no (physical addresses)"}
    rows = [
        ("platform", config.get("platform", summary.get("platform", "?"))),
        ("DMA API", dma.get(summary.get("path", ""), summary.get("path", "?"))),
        ("device", "%s, %s ring, queue size %s" % (
            config.get("device", summary.get("device", "?")), layout,
            config.get("queue", summary.get("queue", "?")))),
        ("offered", config.get("offered", "?")),
        ("negotiated", summary.get("negotiated", "?")),
        ("IOTLB", config.get("iotlb", "")),
        ("DMA faults", "mapping number %s fails (fault injection)" % config["fail_nth"]
         if config.get("fail_nth", "0") not in ("0", "", "off", "never") else ""),
        ("workload", ("seed %s" % config["seed"] if "seed" in config else "") +
         ("; %s" % config["steady"] if config.get("steady") else "")),
        ("driver", config.get("driver", "")),
        ("policy", config.get("policy", "")),
    ]
    for k, v in rows:
        if v:
            w(textwrap.fill(re.sub(r",(?! )", ", ", v), width=MAX,
                            initial_indent="  %-12s " % k,
                            subsequent_indent=" " * 15, break_on_hyphens=False))
    w("")
    kept = trace[-TRACE_LINES:]
    w("The driver's calls and the device's actions, in order")
    w(wrap("(%s; [N] is the workload step, q0 the queue)" % (
        "the last %d events before the finding" % len(kept)
        if len(trace) > len(kept) else "every event up to the finding"), "  "))
    for line in kept:
        w(clip("  " + line))
    w("")
    expected, ref = expectation(kind, message, layout, a.ring_c, defs)
    w("Expected (%s)" % ref if len(ref) < 60 else "Expected")
    if len(ref) >= 60:
        w(wrap(ref, "  "))
    out.extend(expected)
    w("")
    w("Observed")
    w(wrap((finding[0] if finding else message), "  ", width=MAX - 2))
    vframes = [f for f in frames if f[0] not in ("abort", "raise", "__GI_raise", "__GI_abort")]
    if vframes:
        w("  stack:")
        for fn, loc in vframes[:8]:
            w(clip("    %s %s" % (fn, os.path.basename(loc))))
    w("")
    names = functions_involved(kind, message, frames, trace, layout, defs)
    lines = re.findall(r"virtio_ring\.c:(\d+)", message)
    if names or lines:
        w("Kernel code involved (drivers/virtio/virtio_ring.c, Linux %s)" % release)
        src = read(a.ring_c).splitlines()
        for n in lines:
            i = int(n)
            if 0 < i <= len(src):
                w(clip("  %d: %s" % (i, src[i - 1].strip())))
        for name in names:
            n, line = defs[name]
            w(clip("  %d: %s" % (n, line.strip())))
        w("")
    entry = catalogued(a.top, a.target, kind, frames, message)
    if entry is not None:
        where = [x for x in entry.fields.get("Where", []) if x.startswith(release + " ")]
        up = entry.fields.get("Upstream", [])
        if where or up:
            w("Known to vrsim")
            for x in where:
                w(wrap(x, "  ", width=MAX))
            for x in up:
                w(wrap("upstream: " + x, "  ", width=MAX))
            w("")
    w("Reproduce")
    commit = vrsim_commit(a.top)
    w(wrap("In a vrsim checkout%s, with the input below saved as the file "
           "named:" % (" (commit %s)" % commit if commit else ""), "  "))
    w("")
    # whole shell words a line, so a quoted argument is never cut
    lines, cur = [], ""
    for word in (shlex.quote(x) for x in shlex.split(a.command)):
        if cur and len(cur) + 1 + len(word) > MAX - 8:
            lines.append(cur)
            cur = word
        else:
            cur = (cur + " " + word) if cur else word
    lines.append(cur)
    for i, line in enumerate(lines):
        w(("    " if i == 0 else "      ") + line + (" \\" if i + 1 < len(lines) else ""))
    w("")
    if len(data) <= 4096:
        w("  The input (%d bytes), base64:" % len(data))
        for line in textwrap.wrap(base64.b64encode(data).decode(), 64):
            w("    " + line)
    else:
        w("  The input is %d bytes: ask for it." % len(data))
    lines = "\n".join(out).split("\n")
    return "\n".join(clip(l) if len(l) > MAX else l for l in lines) + "\n"


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for opt in ("top", "target", "input", "release", "ring-c", "command",
                "finding", "log", "summary", "decode"):
        p.add_argument("--" + opt, required=True)
    p.add_argument("--source", default="")
    p.add_argument("--out")
    a = p.parse_args(argv[1:])
    text = build(a)
    if a.out:
        tmp = a.out + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, a.out)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
