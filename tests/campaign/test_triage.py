#!/usr/bin/env python3
"""vrsim/triage.py: crashes replayed, classified and deduplicated (the
smallest input of a root cause kept), with fake fuzzer and replayer
executables; and the status of a one-shot campaign."""
import io
import json
import os
import sys
import tempfile
import textwrap
import unittest
from contextlib import redirect_stdout

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "lib"))
from vrsim import triage  # noqa: E402

# A fake libFuzzer binary: the input's first byte picks the stack.
FUZZER = textwrap.dedent("""\
    #!/bin/bash
    f=${@: -1}
    c=$(head -c1 "$f")
    echo "vrsim: finding [protocol]: used id $(wc -c <"$f") was never made available"
    echo "    #0 0x55 in vrs_report /src/base/report.c:1:1"
    echo "    #1 0x56 in check_$c /src/ring/split.c:10:2"
    echo "    #2 0x57 in LLVMFuzzerTestOneInput /src/fuzz/main.c:3:3"
    exit 1
    """)
REPLAY = "#!/bin/bash\n[ \"$1\" = --decode ] && echo \"program of $(cat \"$2\")\"\nexit 0\n"


def slurp(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


def write(path, data, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)
    os.chmod(path, mode)


class Dedup(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        t = self.tmp.name
        self.out = os.path.join(t, "out")
        b = lambda p: os.path.join(t, "build", p)
        self.meta = {"top": os.path.join(t, "top"), "targets": ["fuzz_sim"],
                     "builds": {"libfuzzer": b("libfuzzer"), "default": b("default")},
                     "duration": 3, "engine": "libfuzzer", "jobs": 1, "interrupted": False}
        write(os.path.join(b("libfuzzer"), "fuzz", "fuzz_sim"), FUZZER, 0o755)
        write(os.path.join(b("default"), "fuzz", "replay_fuzz_sim"), REPLAY, 0o755)
        art = os.path.join(self.out, "work", "libfuzzer", "fuzz_sim", "artifacts")
        write(os.path.join(art, "crash-1"), b"A" * 9)
        write(os.path.join(art, "crash-2"), b"A" * 3)
        write(os.path.join(art, "crash-3"), b"B" * 5)
        write(os.path.join(art, "slow-unit-4"), b"A")
        write(os.path.join(self.out, "meta.json"), json.dumps(self.meta))

    def test_one_finding_a_root_cause_the_smallest_input_kept(self):
        findings, hangs, untriaged = triage.triage(self.out, self.meta, "fuzz_sim")
        self.assertEqual((hangs, untriaged), (0, 0))
        by = {tuple(f["frames"]): f for f in findings}
        self.assertEqual(sorted(by), [("check_A",), ("check_B",)])
        a = by[("check_A",)]
        self.assertEqual((a["kind"], a["count"], a["engines"]), ("protocol", 2, ["libfuzzer"]))
        # the representative is the smaller input, its message its own
        self.assertEqual(slurp(a["file"], "rb"), b"AAA")
        self.assertEqual(a["message"], "used id 3 was never made available")
        self.assertEqual(a["decoded"].strip(), "program of AAA")
        self.assertTrue(a["reproduce"].startswith("scripts/reproduce --replayer "))
        self.assertTrue(os.path.isfile(a["file"] + ".txt"))
        self.assertTrue(os.path.isfile(a["file"] + ".decoded.txt"))

    def test_finish_writes_the_report_and_says_new_findings(self):
        out = io.StringIO()
        with redirect_stdout(out):
            status = triage.finish(self.out)
        self.assertEqual(status, 1)
        report = json.loads(slurp(os.path.join(self.out, "report.json")))
        self.assertEqual((report["findings"], report["catalogued"]), (2, 0))
        self.assertIn("RESULT: 2 unique finding(s) not in the catalogue -- exit 1", out.getvalue())
        self.assertIn("FINDING fuzz_sim [protocol]", out.getvalue())

    def test_unreadable_meta_is_a_failed_run(self):
        os.unlink(os.path.join(self.out, "meta.json"))
        with redirect_stdout(io.StringIO()):
            sys.stderr, err = io.StringIO(), sys.stderr
            try:
                self.assertIsNone(triage.finish_or_fail(self.out))
                self.assertEqual(triage.main(["triage", "finish", self.out]), 4)
            finally:
                sys.stderr = err


class Status(unittest.TestCase):
    def report(self, findings, catalogued, failed=None, interrupted=False):
        r = {"findings": findings, "catalogued": catalogued,
             "campaign": {"interrupted": interrupted}}
        if failed:
            r["failed"] = failed
        return triage.campaign_status(r)

    def test_one_shot_rules(self):
        self.assertEqual(self.report(0, 0), 0)
        self.assertEqual(self.report(2, 1), 1)
        self.assertEqual(self.report(2, 2), 3)
        self.assertEqual(self.report(0, 0, ["fuzz_sim/libfuzzer"]), 4)
        self.assertEqual(self.report(0, 0, interrupted=True), 130)
        self.assertEqual(self.report(1, 1, interrupted=True), 130)
        self.assertEqual(self.report(0, 0, ["fuzz_sim/libfuzzer"], interrupted=True), 130)

    def test_dedup_key(self):
        self.assertEqual(triage.dedup_key("protocol", ["a", "b", "c", "d"], ""), "protocol|a|b|c")
        self.assertEqual(triage.dedup_key("asan", [], "AddressSanitizer: x at 0x1234"),
                         "asan|AddressSanitizer: x at ADDR")
        self.assertEqual(triage.dedup_key("crash", [], ""), "crash")


if __name__ == "__main__":
    unittest.main()
