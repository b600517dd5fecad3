#!/usr/bin/env python3
"""The catalogue reader (scripts/lib/catalogue.py) and how a campaign names
catalogued findings (scripts/lib/vrsim/triage.py): python3 tests/test_catalogue.py.
The entries themselves are replayed by the catalogue_* ctests."""
import io
import os
import sys
import tempfile
import unittest
from contextlib import redirect_stdout

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "scripts", "lib"))
from vrsim import catalogue  # noqa: E402
from vrsim import triage as campaign  # noqa: E402

ENTRY = """Title: detach walks a flag the device wrote
Verdict: hardening-gap
Kernels: 6.1.192 6.12.118
Where: 6.1.192 drivers/virtio/virtio_ring.c:746-749 detach_buf_split()
Where: 6.12.118 drivers/virtio/virtio_ring.c:777-780 detach_buf_split()
Upstream: no fix found upstream as of 2026-12-06
Target: fuzz_linux_driver
Input: input
Expect: 6.1 dma-debug-unmap-unknown
Expect: 6.12 clean
Signature: fuzz_linux_driver* dma-debug-unmap-unknown frame=detach_buf_split
Signature: fuzz_linux_driver-6.1 api-contract message=buffers lost: added
Fix: 6.1 fix.patch

The paragraph a maintainer reads,
on two lines.
"""


class Catalogue(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.top = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def entry(self, name, text, files=("input", "fix.patch")):
        d = os.path.join(self.top, "catalogue", name)
        os.makedirs(d)
        with open(os.path.join(d, "entry"), "w") as f:
            f.write(text)
        for n in files:
            with open(os.path.join(d, n), "w") as f:
                f.write("x")
        return d

    def test_a_well_formed_entry(self):
        self.entry("walk", ENTRY)
        e = catalogue.Entry(self.top, "walk")
        self.assertEqual(e.title, "detach walks a flag the device wrote")
        self.assertEqual(e.kernels, ["6.1.192", "6.12.118"])
        self.assertEqual(e.expect, {"6.1": "dma-debug-unmap-unknown", "6.12": "clean"})
        self.assertEqual(len(e.fields["Where"]), 2)
        self.assertTrue(e.fixes["6.1"].endswith("catalogue/walk/fix.patch"))
        self.assertIn("on two lines", e.body)

    def test_a_missing_field_names_the_entry(self):
        self.entry("nokernels", ENTRY.replace("Kernels: 6.1.192 6.12.118\n", ""))
        with self.assertRaisesRegex(catalogue.Malformed, r"nokernels: missing field\(s\) Kernels"):
            catalogue.Entry(self.top, "nokernels")
        with self.assertRaisesRegex(catalogue.Malformed, "nokernels"):
            catalogue.load(self.top, strict=True)

    def test_a_missing_file_a_bad_verdict_no_paragraph(self):
        self.entry("noinput", ENTRY, files=("fix.patch",))
        with self.assertRaisesRegex(catalogue.Malformed, "noinput: catalogue/noinput/input is missing"):
            catalogue.Entry(self.top, "noinput")
        self.entry("verdict", ENTRY.replace("hardening-gap", "maybe"))
        with self.assertRaisesRegex(catalogue.Malformed, "verdict 'maybe'"):
            catalogue.Entry(self.top, "verdict")
        self.entry("short", ENTRY.split("\n\n")[0] + "\n")
        with self.assertRaisesRegex(catalogue.Malformed, "short: no paragraph"):
            catalogue.Entry(self.top, "short")
        self.entry("expect", ENTRY.replace("Expect: 6.12 clean", "Expect: 6.12"))
        with self.assertRaisesRegex(catalogue.Malformed, "expect: Expect '6.12'"):
            catalogue.Entry(self.top, "expect")

    def test_step_overs_are_read_apart_and_with_the_acknowledgements(self):
        self.entry("lenient", ENTRY.replace(
            "Fix: 6.1 fix.patch",
            "Fix: 6.1 fix.patch\nStep-over: device-acceptance:q*: device took chain *\n"
            "Acknowledge: api-contract:virtqueue_add returned"))
        e = catalogue.Entry(self.top, "lenient")
        self.assertEqual(e.step_over, ["device-acceptance:q*: device took chain *"])
        out = io.StringIO()
        with redirect_stdout(out):
            self.assertEqual(catalogue.main(["catalogue.py", "step-overs", self.top]), 0)
        # scoped to the targets of the entry's signatures
        self.assertEqual(out.getvalue().splitlines(),
                         ["@fuzz_linux_driver* device-acceptance:q*: device took chain *",
                          "@fuzz_linux_driver-6.1 device-acceptance:q*: device took chain *"])
        out = io.StringIO()
        with redirect_stdout(out):
            self.assertEqual(catalogue.main(["catalogue.py", "acknowledgements", self.top]), 0)
        self.assertEqual(sorted(out.getvalue().splitlines()),
                         ["api-contract:virtqueue_add returned",
                          "device-acceptance:q*: device took chain *"])
        self.entry("badstep", ENTRY.replace("Fix: 6.1 fix.patch",
                                            "Fix: 6.1 fix.patch\nStep-over: no kind here"))
        with self.assertRaisesRegex(catalogue.Malformed, "badstep: Acknowledge or Step-over 'no kind here'"):
            catalogue.Entry(self.top, "badstep")

    def test_signatures_match_target_kind_frames_and_message(self):
        self.entry("walk", ENTRY)
        e = catalogue.Entry(self.top, "walk")
        m = e.matches
        self.assertTrue(m("fuzz_linux_driver-6.12", "dma-debug-unmap-unknown",
                          ["release", "vring_unmap_one_split", "detach_buf_split"]))
        # another frame, kind or target is another cause
        self.assertFalse(m("fuzz_linux_driver-6.12", "dma-debug-unmap-unknown", ["detach_buf_packed"]))
        self.assertFalse(m("fuzz_linux_driver-6.12", "kernel-bug", ["detach_buf_split"]))
        self.assertFalse(m("fuzz_linux_sim-6.1", "dma-debug-unmap-unknown", ["detach_buf_split"]))
        self.assertTrue(m("fuzz_linux_driver-6.1", "api-contract", [],
                          "1 buffers lost: added, then neither used nor detached"))
        self.assertFalse(m("fuzz_linux_driver-6.12", "api-contract", [],
                           "1 buffers lost: added, then neither used nor detached"))
        self.assertFalse(m("fuzz_linux_driver-6.1", "api-contract", [], "token returned twice"))
        # a plain replayer prints no stack: frames unknown, kind decides
        self.assertTrue(m("fuzz_linux_driver-6.12", "dma-debug-unmap-unknown", None))
        self.assertFalse(m("fuzz_linux_sim-6.12", "dma-debug-unmap-unknown", None))

    def test_a_campaign_names_a_catalogued_finding_and_exits_3(self):
        self.entry("walk", ENTRY)
        entries = catalogue.load(self.top)
        f = {"target": "fuzz_linux_driver-6.1", "kind": "dma-debug-unmap-unknown",
             "frames": ["release", "detach_buf_split"], "message": "m", "summary": "",
             "count": 3, "reproduce": "scripts/reproduce x y", "keep": "k"}
        g = dict(f, target="fuzz_linux_driver-6.12")
        h = dict(f, kind="kernel-bug", frames=["other"])
        for x in (f, g, h):
            campaign.catalogued(x, entries, {"6.1": "6.1.192", "6.12": "6.12.118"})
        self.assertEqual(f["catalogue"]["entry"], "walk")
        self.assertIsNone(h["catalogue"])
        self.assertNotIn("add-regression", f["keep"])
        out = io.StringIO()
        with redirect_stdout(out):
            campaign.print_known([f, g, h])
        text = out.getvalue()
        # one root cause on two kernels: one line
        self.assertEqual(text.count("known kernel finding:"), 1)
        self.assertIn("known kernel finding: detach walks a flag the device wrote "
                      "(catalogue/walk; a kernel hardening gap against a hostile device; "
                      "affects 6.1.192, 6.12.118)", text)
        self.assertNotIn("[kernel-bug]", text)


if __name__ == "__main__":
    unittest.main()
