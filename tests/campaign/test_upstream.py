#!/usr/bin/env python3
"""vrsim/upstream.py: the report for a kernel's maintainers, written from
a replayer's output on a small staged tree."""
import base64
import hashlib
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "lib"))
from vrsim import upstream  # noqa: E402

RING_C = """// SPDX-License-Identifier: GPL-2.0-or-later
static inline int virtqueue_add_packed(struct virtqueue *_vq,
\t\t\t\t       struct scatterlist *sgs[])
{
\treturn -EIO;
}

/**
 * virtqueue_add_sgs - expose buffers to other end
 * @_vq: the struct virtqueue we're talking about.
 *
 * Caller must ensure we don't call this with other virtqueue operations
 * at the same time (except where noted).
 *
 * Returns zero or a negative error (ie. ENOSPC, ENOMEM, EIO).
 */
int virtqueue_add_sgs(struct virtqueue *_vq)
{
\treturn virtqueue_add(_vq);
}

static void detach_buf_packed(struct vring_virtqueue *vq, unsigned int id)
{
}
"""

VRINGH_C = """static int __vringh_iov(struct vringh *vrh, u16 i)
{
}

int vringh_getdesc_iotlb(struct vringh *vrh, u16 *head)
{
}
"""

LOG = """replay: in (17 bytes)
vrsim: finding [api-contract]: virtqueue_add returned -EIO after a DMA mapping failure on a queue that is not broken (packed ring, direct descriptors: unmap_release)
---- vrsim: the input, decoded ----
driver     linux
platform   kvm
policy     never
device     blk
offered    indirect,event-idx,version-1,access-platform,packed
queue      11
fail_nth   18
seed       2678
---- vrsim: trace tail ----
[     1] q0 driver add token=0 out=2 in=1
[     1] q0 driver get token=0 len=1
[     4] q0 driver add failed: -EIO
---- reproduce: scripts/reproduce fuzz_linux_sim-6.1 FILE ----
"""
SUMMARY = ("in\tdriver=linux platform=kvm path=dma-api layout=packed "
           "negotiated=indirect,event-idx,version-1,access-platform,packed outcome=finding\n")
FINDING = ("vrsim: finding [api-contract]: virtqueue_add returned -EIO after a DMA mapping "
           "failure on a queue that is not broken (packed ring, direct descriptors: "
           "unmap_release)\n")


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return path


class Report(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        d = self.tmp.name
        self.tree = os.path.join(d, "tree")
        self.ring = write(os.path.join(self.tree, "drivers/virtio/virtio_ring.c"), RING_C)
        write(os.path.join(self.tree, "drivers/vhost/vringh.c"), VRINGH_C)
        write(os.path.join(self.tree, "drivers/vhost/iotlb.c"), "/* iotlb */\n")
        self.input = os.path.join(d, "input")
        with open(self.input, "wb") as f:
            f.write(bytes(range(17)))

    def tearDown(self):
        self.tmp.cleanup()

    def facts(self, **kw):
        f = dict(top=self.tmp.name, target="fuzz_linux_sim-6.1", input=self.input,
                 release="6.1.192", tree=self.tree, source="/usr/src/linux-source-6.1.tar.xz",
                 command="scripts/reproduce --acknowledge 'protocol:a long prefix' --kernel "
                         "/usr/src/linux-source-6.1.tar.xz fuzz_linux_sim tests/some/input",
                 finding=FINDING, log=LOG, summary=SUMMARY, decode="")
        f.update(kw)
        return upstream.Facts(**f)

    def test_ring_report(self):
        text = upstream.text(self.facts())
        lines = text.splitlines()
        self.assertTrue(lines[0].startswith('To: "Michael S. Tsirkin" <mst@redhat.com>'))
        self.assertTrue(any(l.startswith("Cc: Xuan Zhuo") for l in lines))
        subject = next(l for l in lines if l.startswith("Subject: "))
        self.assertTrue(subject.startswith("Subject: [BUG] virtio_ring: packed: "), subject)
        self.assertIn("  Linux 6.1.192, drivers/virtio/virtio_ring.c", lines)
        with open(self.ring, "rb") as f:
            self.assertIn("  sha1sum " + hashlib.sha1(f.read()).hexdigest(), lines)
        self.assertIn("  built from /usr/src/linux-source-6.1.tar.xz", lines)
        self.assertTrue(any(l.startswith("  platform     kvm") for l in lines))
        self.assertTrue(any(l.startswith("  DMA faults   mapping number 18 fails") for l in lines))
        self.assertIn("  [     4] q0 driver add failed: -EIO", lines)
        # the kernel-doc of the API the finding names (via its callers)
        self.assertIn("  kernel-doc of virtqueue_add_sgs():", lines)
        self.assertTrue(any("Returns zero or a negative error" in l for l in lines))
        # the code involved, with its line numbers
        self.assertIn("  2: static inline int virtqueue_add_packed(struct virtqueue *_vq,", lines)
        self.assertTrue(any(l.startswith("  22: static void detach_buf_packed(") for l in lines))
        # the command in whole shell words, and the input in base64
        self.assertIn("'protocol:a long prefix'", text)
        self.assertIn("    " + base64.b64encode(bytes(range(17))).decode(), lines)
        self.assertEqual([l for l in lines if len(l) > 79], [])
        self.assertNotIn("**", text)

    def test_device_side_goes_to_vhost(self):
        finding = "vrsim: finding [device-acceptance]: device q0 took a chain of 9 descriptors\n"
        text = upstream.text(self.facts(target="fuzz_linux_device-6.12", finding=finding,
                                        log="vrsim: " + finding, summary="in\tlayout=split\n"))
        self.assertIn("Subject: [BUG] vringh: split: device took a chain of 9 descriptors",
                      text)
        self.assertIn("kvm@vger.kernel.org", text)
        self.assertIn("  drivers/vhost/iotlb.c\n", text)
        self.assertIn("VIRTIO 1.2 section 2.7, Split Virtqueues, device requirements", text)
        self.assertIn("vringh.c:5: int vringh_getdesc_iotlb(", text)

    def test_a_sanitizer_finding_and_a_large_input(self):
        with open(self.input, "wb") as f:
            f.write(b"\0" * 5000)
        log = ("==1==ERROR: AddressSanitizer: heap-buffer-overflow\n"
               "    #0 0x4a in __asan_report /x\n"
               "    #1 0x4b in detach_buf_packed drivers/virtio/virtio_ring.c:22\n")
        text = upstream.text(self.facts(finding="SUMMARY: AddressSanitizer: heap-buffer-overflow\n",
                                        log=log, summary=""))
        self.assertIn("AddressSanitizer / UndefinedBehaviorSanitizer", text)
        self.assertIn("    detach_buf_packed virtio_ring.c:22", text)
        self.assertIn("The input is 5000 bytes: ask for it.", text)

    def test_subject_fits(self):
        long = "device q0 " + "x " * 60 + "; and more"
        s = upstream.subject("protocol", long, "split")
        self.assertLessEqual(len("Subject: " + s), 79)
        self.assertTrue(s.startswith("[BUG] virtio_ring: split: "))

    def test_side_of(self):
        self.assertEqual(upstream.side_of("fuzz_linux_devsim-6.1"), "device")
        self.assertEqual(upstream.side_of("fuzz_linux_device"), "device")
        self.assertEqual(upstream.side_of("fuzz_linux_driver-6.12"), "ring")


if __name__ == "__main__":
    unittest.main()
