"""Write a vrsim finding on a real kernel's file under test up as a
plain-text report for its maintainers: under 80 columns, no markup. The
file depends on the target: drivers/virtio/virtio_ring.c for the ring's
(fuzz_linux_sim, fuzz_linux_driver), for the virtio maintainers;
drivers/vhost/vringh.c and drivers/vhost/iotlb.c for the device side's
(fuzz_linux_device, fuzz_linux_devsim), for the vhost maintainers.

scripts/reproduce --report calls text(): the finding's line, the
replayer's --verbose output (configuration, trace tail, sanitizer
stacks), its --summary line and its --decode program, and the staged
kernel tree the replayer was built from.
"""
import base64
import collections
import contextlib
import hashlib
import io
import os
import re
import shlex
import subprocess
import textwrap

from . import catalogue
from .common import read

WIDTH = 72          # prose
MAX = 79            # any line
TRACE_LINES = 40    # the trace's tail kept

# The kernel's two sides under test: the files, the subject's prefix, and
# whom a report goes to (MAINTAINERS of Linux 6.12: "VIRTIO CORE AND NET
# DRIVERS" and "VIRTIO HOST (VHOST)"; netdev, for vhost-net, left out).
SIDES = {
    "ring": {
        "files": ["drivers/virtio/virtio_ring.c"],
        "prefix": "virtio_ring",
        "to": ['"Michael S. Tsirkin" <mst@redhat.com>', "Jason Wang <jasowang@redhat.com>"],
        "cc": ["Xuan Zhuo <xuanzhuo@linux.alibaba.com>", "Eugenio P\u00e9rez <eperezma@redhat.com>",
               "virtualization@lists.linux.dev"],
        "builds": "the kernel's own drivers/virtio/virtio_ring.c unmodified "
                  "against a small shim (the DMA API routed into simulated "
                  "platforms, an honest or a hostile device on the other side)",
    },
    "device": {
        "files": ["drivers/vhost/vringh.c", "drivers/vhost/iotlb.c"],
        "prefix": "vringh",
        "to": ['"Michael S. Tsirkin" <mst@redhat.com>', "Jason Wang <jasowang@redhat.com>"],
        "cc": ["Eugenio P\u00e9rez <eperezma@redhat.com>", "virtualization@lists.linux.dev",
               "kvm@vger.kernel.org"],
        "builds": "the kernel's own drivers/vhost/vringh.c and "
                  "drivers/vhost/iotlb.c unmodified against a small shim "
                  "(guest memory on a simulated bus, the vhost IOTLB fed "
                  "from a simulated IOMMU's mappings, a hostile driver or "
                  "the kernel's own virtio_ring.c on the other side)",
    },
}


def side_of(target):
    """"device" for the device side's targets (fuzz_linux_device,
    fuzz_linux_devsim-6.1), "ring" for the others."""
    return "device" if re.match(r"fuzz_linux_dev(ice|sim)(-[0-9.]+)?$", target) else "ring"


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


def definitions(paths):
    """{function name: (line number, line, file)} of the files' definitions
    (a path or a list of them)."""
    out = {}
    for path in [paths] if isinstance(paths, str) else paths:
        for n, line in enumerate(read(path).splitlines(), 1):
            m = re.match(r"^(?:static\s+|inline\s+|noinline\s+|__\w+\s+|const\s+|"
                         r"unsigned\s+|struct\s+\w+\s+|\w+\s+)+\**(\w+)\(", line)
            if m and not line.rstrip().endswith(";"):
                out.setdefault(m.group(1), (n, line, path))
    return out


def kernel_doc(paths, name):
    """The kernel-doc comment above NAME's definition, as lines."""
    for path in [paths] if isinstance(paths, str) else paths:
        doc = kernel_doc_in(path, name)
        if doc:
            return doc
    return []


def kernel_doc_in(path, name):
    lines = read(path).splitlines()
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


def functions_involved(kind, message, frames, events, layout, defs, side="ring"):
    """The kernel functions the finding names, its stack holds, and the
    trace went through, those the staged files define, most telling first."""
    names = []
    files = [os.path.basename(f) for f in SIDES[side]["files"]]

    def add(n):
        if n in defs and n not in names:
            names.append(n)
    for fn, loc in frames:
        if any(f in loc for f in files):
            add(fn)
    for w in re.findall(r"\b([a-z_][a-z0-9_]+)\b", message):
        add(w)
    text = "\n".join(events[-TRACE_LINES:])
    if side == "device":
        # the device side takes chains (getdesc), uses them (complete) and
        # decides whether to notify, through the vhost IOTLB
        if "pop" in text or "device works" in text or not text:
            add("vringh_getdesc_iotlb")
            add("__vringh_iov")
        if "device push" in text:
            add("vringh_complete_iotlb")
            add("__vringh_complete")
        if "interrupt" in text:
            add("vringh_need_notify_iotlb")
        if kind in ("stale-iotlb", "dma-fault"):
            add("iotlb_translate")
        return names[:6]
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


def expectation(kind, message, layout, ring_c, defs, side="ring"):
    """(expected, reference) lines for the finding's kind."""
    spec = PACKED if layout == "packed" else SPLIT
    if side == "device":
        got = device_expectation(kind, message, spec, ring_c)
        if got:
            return got
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


def device_expectation(kind, message, spec, files):
    """(expected, reference) lines of the device side (vringh), when its
    rules differ from the ring's; None for the common ones."""
    if kind == "device-acceptance":
        return ([wrap("The device takes a chain only when VIRTIO 1.2 lets it "
                      "(in range, no loop, readable before writable "
                      "descriptors, an indirect table only as allowed) and "
                      "takes every chain the specification says it must.",
                      "  ")], spec[0] + ", device requirements")
    if kind == "protocol":
        return ([wrap("The device uses only chains the driver made "
                      "available, each once, with a used length within "
                      "the chain's writable bytes.", "  ")], spec[0])
    if kind == "liveness":
        return ([wrap("Every chain the driver makes available is used by "
                      "the device, and no vringh call runs without end on "
                      "what the driver wrote.", "  ")], "vrsim's liveness oracle")
    if kind == "timeout":
        return ([wrap("Every vringh call returns: none loops without end on "
                      "what the driver wrote.", "  ")], "vrsim's liveness oracle")
    if kind in ("stale-iotlb", "dma-fault"):
        return ([wrap("The device reaches guest memory only through a "
                      "mapping the vhost IOTLB holds, with its permission, "
                      "and never through one the IOMMU has unmapped.",
                      "  ")], "vrsim's IOMMU model")
    if kind == "api-contract":
        fn = next((w for w in re.findall(r"\b(vringh_\w+|vhost_iotlb_\w+)\b", message)), "")
        out = [wrap("%s() returns what its kernel-doc in "
                    "drivers/vhost/ promises." % (fn or "The API"), "  ")]
        doc = kernel_doc(files, fn) if fn else []
        if doc:
            keep = [l for l in doc if re.search(r"Returns?|-E[A-Z]+|error|zero", l)]
            out.append("  kernel-doc of %s():" % fn)
            out.extend(clip("    " + l) for l in (keep or doc)[:8])
        return out, "the function's kernel-doc"
    return None


def subject(kind, message, layout, prefix="virtio_ring"):
    head = "[BUG] %s: %s: " % (prefix, layout)
    room = MAX - len("Subject: " + head)
    msg = re.sub(r"\bdevice q\d+ ", "device ", message.strip())
    first = msg.split("; ")[0]
    plain = re.sub(r"\s*\([^)]*\)", "", first)
    tail = plain.split(": ", 1)[-1]
    for cand in (msg, first, plain, tail):
        for h in (head, "[BUG] %s: " % prefix):
            if len("Subject: " + h + cand) <= MAX:
                return h + cand
    cut = tail[:room - 3].rsplit(" ", 1)[0]
    return head + cut + "..."


def catalogued(top, target, kind, frames, message):
    """The catalogue entry the finding matches, if any."""
    try:
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


# What a report is written from: TOP the vrsim tree, TARGET the versioned
# target, INPUT the input's path, RELEASE the kernel's, TREE the staged
# kernel tree, SOURCE what it was staged from ("" when unknown), COMMAND the
# one that reproduces it; the texts: FINDING the finding's line, LOG the
# replayer's --verbose output, SUMMARY its --summary, DECODE its --decode.
Facts = collections.namedtuple(
    "Facts", "top target input release tree source command finding log summary decode")


def text(a):
    """The report on the finding A (Facts) tells, as one string."""
    finding = a.finding.strip().splitlines()
    kind, message = parse_finding(finding[0] if finding else "")
    config_lines, trace, frames = sections(a.log)
    config = config_map(config_lines)
    summary = summary_map(a.summary)
    events = program_events(a.decode)
    if not config:
        config = config_map(a.decode.split("program:", 1)[0].splitlines())
    if not trace:  # a sanitizer stops the run before vrsim prints its tail
        trace = events
    layout = layout_of(summary, config)
    with open(a.input, "rb") as f:
        data = f.read()
    side = side_of(a.target)
    sd = SIDES[side]
    paths = [os.path.join(a.tree, f) for f in sd["files"]]
    defs = definitions(paths)
    release = a.release.split(" (")[0]
    out = []
    w = out.append

    # whom to send it to; lengths in bytes, so a name's accent cannot
    # take a line past the limit
    for field, who in (("To", sd["to"]), ("Cc", sd["cc"])):
        line = field + ": " + who[0]
        for x in who[1:]:
            if len((line + ", " + x).encode()) > MAX:
                w(line + ",")
                line = "    " + x
            else:
                line += ", " + x
        w(line)
    w("Subject: " + subject(kind, message, layout, sd["prefix"]))
    w("")
    w(wrap("vrsim, a user-space virtio ring simulator that builds %s, "
           "reports the following on Linux %s." % (sd["builds"], release)))
    w("")
    w("Kernel")
    for rel, path in zip(sd["files"], paths):
        body = b""
        if os.path.isfile(path):
            with open(path, "rb") as f:
                body = f.read()
        if rel == sd["files"][0]:
            w("  Linux %s, %s" % (a.release, rel))
        else:
            w("  %s" % rel)
        w("  sha1sum %s" % (hashlib.sha1(body).hexdigest() if body else "(file not found)"))
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
    expected, ref = expectation(kind, message, layout, paths[0] if side == "ring" else paths,
                                defs, side)
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
    names = functions_involved(kind, message, frames, trace, layout, defs, side)
    # FILE.c:LINE the message names, in each file under test
    lines = [(path, int(n)) for rel, path in zip(sd["files"], paths)
             for n in re.findall(r"%s:(\d+)" % re.escape(os.path.basename(rel)), message)]
    if names or lines:
        several = len(sd["files"]) > 1
        w("Kernel code involved (%s, Linux %s)" % (" and ".join(
            [sd["files"][0]] + [os.path.basename(f) for f in sd["files"][1:]]), release))
        for path, i in lines:
            src = read(path).splitlines()
            if 0 < i <= len(src):
                where = "%s:%d" % (os.path.basename(path), i) if several else "%d" % i
                w(clip("  %s: %s" % (where, src[i - 1].strip())))
        for name in names:
            n, line, path = defs[name]
            where = "%s:%d" % (os.path.basename(path), n) if several else "%d" % n
            w(clip("  %s: %s" % (where, line.strip())))
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
