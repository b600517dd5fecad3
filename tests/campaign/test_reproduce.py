#!/usr/bin/env python3
"""scripts/reproduce's modules: vrsim/reproduce.py (the command line),
vrsim/kernels.py (kernel sources staged once), vrsim/replayer.py (what a
replayer printed) and vrsim/regressions.py (--add-regression), on fixtures:
no build, no kernel compiled."""
import contextlib
import io
import os
import stat
import sys
import tarfile
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "lib"))
from vrsim import common, kernels, regressions, replayer, reproduce  # noqa: E402

MAKEFILE = "# SPDX\nVERSION = 9\nPATCHLEVEL = 9\nSUBLEVEL = 3\nEXTRAVERSION = -rc1\nNAME = Test\n"


def write(path, text, mode=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    if mode:
        os.chmod(path, mode)
    return path


def kernel_tree(d, device=True):
    """A kernel tree holding every file kernel/CMakeLists.txt stages (the
    device side's too, unless told)."""
    for f in kernels.files() + (kernels.files(True) if device else []):
        write(os.path.join(d, f), MAKEFILE if f == "Makefile" else "/* %s */\n" % f)
    write(os.path.join(d, "drivers/net/other.c"), "/* not staged */\n")
    return d


def run_main(argv):
    """(status, stderr) of scripts/reproduce ARGV."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = common.main_wrapper(reproduce.main, argv)
    return status, err.getvalue()


class Tmp(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.d = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()


class KernelSources(Tmp):
    def test_kinds(self):
        tree = kernel_tree(os.path.join(self.d, "linux"))
        self.assertEqual(kernels.kind(tree), "tree")
        self.assertIsNone(kernels.kind(self.d))  # no virtio_ring.c
        txz = os.path.join(self.d, "linux-source-9.9.tar.xz")
        with tarfile.open(txz, "w:xz") as t:
            t.add(tree, "linux-source-9.9")
        self.assertEqual(kernels.kind(txz), "tarball")
        fake = write(os.path.join(self.d, "linux-source-9.8.tar.xz"), "not a tarball")
        self.assertIsNone(kernels.kind(fake))
        plain = os.path.join(self.d, "linux.tar")
        with tarfile.open(plain, "w", format=tarfile.USTAR_FORMAT) as t:
            t.add(os.path.join(tree, "Makefile"), "linux/Makefile")
        self.assertEqual(kernels.kind(plain), "tarball")
        self.assertIsNone(kernels.kind(os.path.join(self.d, "nowhere")))
        self.assertIsNone(kernels.kind(write(os.path.join(self.d, "x.deb"), "no deb")))

    def test_version(self):
        tree = kernel_tree(os.path.join(self.d, "linux"))
        self.assertEqual(kernels.version(tree), "9.9")
        self.assertEqual(kernels.version(tree, "release"), "9.9.3-rc1")
        write(os.path.join(tree, "Makefile"), "VERSION = 6\nPATCHLEVEL = 1\n")
        self.assertEqual(kernels.version(tree, "release"), "6.1.0")
        write(os.path.join(tree, "Makefile"), "PATCHLEVEL = 1\n")
        self.assertIsNone(kernels.version(tree))

    def test_key_of_a_tree_follows_its_staged_files_only(self):
        tree = kernel_tree(os.path.join(self.d, "linux"))
        k = kernels.key(tree, "tree")
        self.assertRegex(k, "^[0-9a-f]{16}$")
        write(os.path.join(tree, "drivers/net/other.c"), "/* changed */\n")
        self.assertEqual(kernels.key(tree, "tree"), k)
        write(os.path.join(tree, "drivers/virtio/virtio_ring.c"), "/* bisected */\n")
        self.assertNotEqual(kernels.key(tree, "tree"), k)

    def test_key_of_a_file_follows_its_mtime(self):
        f = write(os.path.join(self.d, "linux-source-9.9.tar.xz"), "x")
        k = kernels.key(f, "tarball")
        os.utime(f, (1, 1))
        self.assertNotEqual(kernels.key(f, "tarball"), k)

    def test_stage_a_tree_without_the_device_side(self):
        tree = kernel_tree(os.path.join(self.d, "linux"), device=False)
        dest, log = os.path.join(self.d, "k", "src"), os.path.join(self.d, "stage.log")
        os.makedirs(os.path.dirname(dest))
        self.assertTrue(kernels.stage(tree, "tree", dest, log))
        self.assertTrue(os.path.isfile(os.path.join(dest, "tree/drivers/virtio/virtio_ring.c")))
        self.assertFalse(os.path.exists(os.path.join(dest, "tree/drivers/net/other.c")))
        self.assertIn("has no drivers/vhost/vringh.c: no device side", common.read(log))
        self.assertEqual(os.listdir(os.path.dirname(dest)), ["src"])  # no temp dir left

    def test_stage_a_tarball(self):
        tree = kernel_tree(os.path.join(self.d, "linux"))
        txz = os.path.join(self.d, "linux-source-9.9.tar.xz")
        with tarfile.open(txz, "w:xz") as t:
            t.add(tree, "linux-source-9.9")
        dest, log = os.path.join(self.d, "k", "src"), os.path.join(self.d, "stage.log")
        os.makedirs(os.path.dirname(dest))
        self.assertTrue(kernels.stage(txz, "tarball", dest, log))
        for f in kernels.files() + kernels.files(True):
            self.assertTrue(os.path.isfile(os.path.join(dest, "tree", f)), f)
        self.assertFalse(os.path.exists(os.path.join(dest, "tree/drivers/net/other.c")))
        self.assertIn("extracting virtio_ring.c", common.read(log))

    def test_stage_refuses_a_source_without_virtio_ring(self):
        tree = kernel_tree(os.path.join(self.d, "linux"))
        os.unlink(os.path.join(tree, "drivers/virtio/virtio_ring.c"))
        dest, log = os.path.join(self.d, "k", "src"), os.path.join(self.d, "stage.log")
        os.makedirs(os.path.dirname(dest))
        self.assertFalse(kernels.stage(tree, "tree", dest, log))
        self.assertIn("no drivers/virtio/virtio_ring.c and Makefile could be staged",
                      common.read(log))
        self.assertEqual(os.listdir(os.path.dirname(dest)), [])


# A --keep-going replay of an input that raises two kinds.
KEEP_GOING = """replay: in (17 bytes)
replay: in: finding [api-contract]: virtqueue_add returned -EIO\r
replay: in: finding [protocol]: device q0 refused the honest driver's ring
replay: 1 inputs through fuzz_linux_sim-6.1, 1 with a finding
"""


class Findings(unittest.TestCase):
    def test_finding_of(self):
        self.assertIsNone(replayer.finding_of("vrsim: finding [x]: y", 0))
        self.assertEqual(replayer.finding_of("", 124, "7"), "timeout: the replay outlasted 7 s")
        log = "noise\nSUMMARY: AddressSanitizer: heap-buffer-overflow\nvrsim: finding [dma-fault]: a\r\n"
        self.assertEqual(replayer.finding_of(log, 134), "vrsim: finding [dma-fault]: a")
        self.assertEqual(replayer.finding_of("x\nSUMMARY: UBSan: y\n", 1), "SUMMARY: UBSan: y")
        self.assertEqual(replayer.finding_of("", 3), "a failure (replayer exit status 3)")

    def test_findings_line(self):
        self.assertEqual(replayer.findings_line(KEEP_GOING, 1),
                         "vrsim: finding [api-contract]: virtqueue_add returned -EIO "
                         "(also: protocol)")
        self.assertEqual(replayer.findings_line(KEEP_GOING, 1, ["protocol"]),
                         "vrsim: finding [protocol]: device q0 refused the honest driver's ring "
                         "(also: api-contract)")
        self.assertEqual(replayer.findings_line(KEEP_GOING, 1, ["liveness"]),
                         "clean (other findings: api-contract,protocol)")
        self.assertEqual(replayer.findings_line("replay: 1 inputs, no finding\n", 0), "clean")
        # a crash, a sanitizer or a timeout stops the replay: its own line
        self.assertEqual(replayer.findings_line("SUMMARY: AddressSanitizer: x\n", 134),
                         "SUMMARY: AddressSanitizer: x")
        self.assertEqual(replayer.findings_line("", 124, None, 60),
                         "timeout: the replay outlasted 60 s")

    def test_status_of_a_signal_is_the_shells(self):
        self.assertEqual(replayer.run(["sh", "-c", "kill -ABRT $$"], 10, None), 134)
        self.assertEqual(replayer.run(["sleep", "5"], 1, None), 124)
        self.assertEqual(replayer.run_logged(["sh", "-c", "echo a; echo b >&2; exit 3"], 10, None),
                         (3, "a\nb\n"))

    def test_without_repeats(self):
        log = ("replay: in\nvrsim: finding [protocol]: x\n---- vrsim: the input, decoded ----\n"
               "driver linux\n---- vrsim: trace tail ----\n[ 1] q0 add\n"
               "---- reproduce: scripts/reproduce T FILE ----\nSUMMARY: after")
        self.assertEqual(reproduce.without_repeats(log),
                         "replay: in\nvrsim: finding [protocol]: x\n"
                         "(its decoded input and trace tail: as in the program above)\n"
                         "SUMMARY: after\n")

    def test_build_of(self):
        with tempfile.TemporaryDirectory() as d:
            write(os.path.join(d, "CMakeCache.txt"), "")
            exe = write(os.path.join(d, "fuzz", "replay_x"), "")
            self.assertEqual(replayer.build_of(exe), os.path.realpath(d))
        self.assertIsNone(replayer.build_of("/bin/true"))


class CommandLine(unittest.TestCase):
    def test_usage_errors_exit_2_and_128_under_bisect(self):
        readme = os.path.join(common.TOP, "README.md")
        cases = [
            (["--no-such-flag"], 2, "unknown option '--no-such-flag'"),
            (["--timeout"], 2, "--timeout needs a value"),
            (["--timeout", "0", "fuzz_sim", readme], 2, "whole seconds"),
            (["--kind", "protocol", "fuzz_sim", readme], 2, "--kind goes with --kernel"),
            (["--acknowledge", "nokind", "fuzz_sim", readme], 2, "KIND:PREFIX"),
            (["--why", "x", "fuzz_sim", readme], 2, "--why goes with --add-regression"),
            (["--add-regression", "x", "--minimize", "fuzz_sim", readme], 2, "do not go together"),
            (["fuzz_sim"], 2, "need TARGET and FILE"),
            (["fuzz_sim", "/nonexistent"], 2, "no such file: /nonexistent"),
            (["--bisect", "fuzz_linux_sim", readme], 128, "exactly one --kernel"),
            (["--bisect", "--kernel", "/nonexistent", "fuzz_linux_sim", readme], 128,
             "--kernel /nonexistent: no such file or directory"),
            (["--kernel", common.TOP, "fuzz_linux_sim", readme], 2, "not a kernel source"),
            (["--", "--bisect"], 2, "need TARGET and FILE"),
        ]
        for argv, want, says in cases:
            status, err = run_main(argv)
            self.assertEqual(status, want, argv)
            self.assertIn(says, err, argv)
            self.assertTrue(err.startswith("reproduce: "), err)
            self.assertIn("Try 'reproduce --help'.", err)

    def test_parse(self):
        o = reproduce.parse(["--asan", "--kernel", "a", "--kernel", "b", "--kind", "x,y",
                             "--acknowledge", "k:p", "--report-out", "o", "T", "F"])
        self.assertEqual((o.preset, o.kernels, o.kinds, o.ack, o.report, o.report_out, o.args),
                         ("asan", ["a", "b"], "x,y", ["k:p"], True, "o", ["T", "F"]))

    def test_target_from_the_build(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "CMakeCache.txt"), "w") as f:
                f.write("VRSIM_LINUX_VERSIONS:INTERNAL=6.1;6.12\n"
                        "VRSIM_LINUX_DEVICE_VERSIONS:INTERNAL=6.12\n")
            write(os.path.join(d, "fuzz", "targets.tsv"),
                  "fuzz_sim\tcore\tfuzz_sim\t-\nfuzz_linux_sim-6.1\tlinux\tfuzz_linux_sim\t6.1\n"
                  "fuzz_linux_device-6.12\tlinux\tfuzz_linux_device\t6.12\n")

            def check(*argv):
                o = reproduce.parse(list(argv))
                with contextlib.redirect_stderr(io.StringIO()) as err:
                    try:
                        reproduce.check_target(o, [d], d)
                    except common.Exit as ex:
                        return ex.status, err.getvalue()
                return 0, ""
            self.assertEqual(check("fuzz_sim", "F"), (0, ""))
            self.assertEqual(check("fuzz_linux_sim", "F"), (0, ""))
            status, err = check("fuzz_linux_sim-7.0", "F")
            self.assertEqual(status, 2)
            self.assertIn("(available: fuzz_sim fuzz_linux_sim-6.1 fuzz_linux_device-6.12)", err)
            # each kernel gives its own version
            self.assertEqual(check("--kernel", "k", "fuzz_linux_sim-7.0", "F"), (0, ""))
            self.assertEqual(check("--report", "fuzz_sim", "F")[0], 2)
            # the device side of a kernel without one
            self.assertIn("no drivers/vhost/vringh.c", check("fuzz_linux_device-6.1", "F")[1])


class AddRegression(Tmp):
    def setUp(self):
        super().setUp()
        self.top, common.TOP = common.TOP, self.d
        os.makedirs(os.path.join(self.d, "corpora", "fuzz_driver"))
        self.input = write(os.path.join(self.d, "in"), "\x01\x02input")

    def tearDown(self):
        common.TOP = self.top
        super().tearDown()

    def stand_in(self, script):
        return write(os.path.join(self.d, "replay"), "#!/bin/sh\n" + script, 0o755)

    def add(self, name, target, exe, why=None):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = regressions.add(name, target, self.input, why, exe, "60", dict(os.environ))
        return status, out.getvalue(), err.getvalue()

    def test_store_a_clean_input_then_one_that_finds(self):
        status, out, err = self.add("t-one", "fuzz_driver", self.stand_in("exit 0\n"))
        self.assertEqual((status, err), (0, ""))
        reg = os.path.join(self.d, "corpora", "fuzz_driver", "regressions")
        with open(os.path.join(reg, "t-one"), "rb") as f:
            self.assertEqual(f.read(), b"\x01\x02input")
        txt = common.read(os.path.join(self.d, "corpora", "fuzz_driver", "regressions.txt"))
        self.assertTrue(txt.startswith("# fuzz_driver regressions:"))
        self.assertIn("(the corpus_fuzz_driver test)", txt)
        self.assertRegex(txt, r"\nt-one: found nothing when added on \d{4}-\d\d-\d\d\n$")
        self.assertIn("the corpus_fuzz_driver test replays it from now on", out)
        finds = self.stand_in("echo 'vrsim: finding [protocol]: used len 9' >&2; exit 134\n")
        status, out, err = self.add("t-two", "fuzz_driver", finds)
        self.assertEqual(status, 0)
        txt = common.read(os.path.join(self.d, "corpora", "fuzz_driver", "regressions.txt"))
        self.assertRegex(txt, r"\nt-two: once found \[protocol\]: used len 9 \(added on [-0-9]+\)\n$")
        self.assertIn("WARNING: the bug is not fixed here", err)
        self.assertEqual(sorted(os.listdir(os.path.dirname(reg))),
                         ["regressions", "regressions.txt"])  # no temp file left
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(reg, "t-two")).st_mode) & 0o444, 0o444)

    def test_a_linux_target_shares_its_corpus(self):
        os.makedirs(os.path.join(self.d, "corpora", "fuzz_linux_sim"))
        status, out, _ = self.add("t", "fuzz_linux_sim-6.12", self.stand_in("exit 0\n"), "why")
        self.assertEqual(status, 0)
        txt = common.read(os.path.join(self.d, "corpora", "fuzz_linux_sim", "regressions.txt"))
        self.assertIn("(the corpus_fuzz_linux_sim-* tests)", txt)
        self.assertTrue(txt.endswith("\nt: why\n"))

    def test_a_catalogued_kernel_bug_is_refused(self):
        os.makedirs(os.path.join(self.d, "corpora", "fuzz_linux_sim"))
        write(os.path.join(self.d, "catalogue", "known", "entry"),
              "Title: a known bug\nVerdict: kernel-bug\nKernels: 6.1.1\nWhere: 6.1.1 x.c:1 f()\n"
              "Upstream: none\nTarget: fuzz_linux_sim\nInput: input\nExpect: 6.1 protocol\n"
              "Signature: fuzz_linux_* protocol message=^chain continues\n\nWhy.\n")
        write(os.path.join(self.d, "catalogue", "known", "input"), "x")
        exe = self.stand_in("echo 'vrsim: finding [protocol]: chain continues into 5' >&2; exit 1\n")
        status, _, err = self.add("t", "fuzz_linux_sim-6.1", exe)
        self.assertEqual(status, 2, err)
        self.assertIn("still reproduces the catalogued kernel finding 'known'", err)
        self.assertFalse(os.path.exists(os.path.join(self.d, "corpora", "fuzz_linux_sim",
                                                     "regressions")))

    def test_check_refuses_taken_names(self):
        def refused(name, why=None):
            with contextlib.redirect_stderr(io.StringIO()) as err:
                try:
                    regressions.check(name, "fuzz_driver", why, common.usage_error)
                except common.Exit as ex:
                    return ex.status, err.getvalue()
            return 0, ""
        self.assertEqual(refused("ok-name", "  text\t"), (0, ""))
        self.assertEqual(regressions.check("n", "fuzz_driver", " t ", common.usage_error), "t")
        write(os.path.join(self.d, "corpora", "fuzz_driver", "regressions.txt"), "# c\ntaken: x\n")
        self.assertIn("already described", refused("taken")[1])
        write(os.path.join(self.d, "corpora", "fuzz_driver", "regressions", "there"), "")
        self.assertIn("already exists", refused("there")[1])
        self.assertIn("bad regression NAME", refused(".hidden")[1])
        self.assertIn("must be one line", refused("n", "a\nb")[1])
        self.assertIn("no corpus", refused_target(self, "fuzz_iommu"))


def refused_target(test, target):
    with contextlib.redirect_stderr(io.StringIO()) as err:
        with test.assertRaises(common.Exit):
            regressions.check("n", target, None, common.usage_error)
    return err.getvalue()


if __name__ == "__main__":
    unittest.main()
