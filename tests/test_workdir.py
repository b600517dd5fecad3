#!/usr/bin/env python3
"""The nightly work directory's bookkeeping (scripts/lib/vrsim/workdir.py) and
the triage of timeouts and out-of-memory: python3 tests/test_workdir.py."""
import io
import json
import os
import sys
import tempfile
import unittest
from contextlib import redirect_stdout

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "scripts", "lib"))
from vrsim import status  # noqa: E402
from vrsim import triage as campaign  # noqa: E402
from vrsim import workdir  # noqa: E402

TIMEOUT_LOG = """INFO: Seed: 1
ALARM: working on the last Unit for 26 seconds
       and the timeout value is 25 (use -timeout=N to change)
==4242== ERROR: libFuzzer: timeout after 26 seconds
    #0 0x55d0 in __sanitizer_print_stack_trace
    #1 0x55d1 in fuzzer::PrintStackTrace()
    #2 0x55d2 in vrs_sim_steady /src/sim/scheduler.c:210:3
    #3 0x55d3 in run_sim_input /src/fuzz/simtarget.c:88:2
    #4 0x55d4 in LLVMFuzzerTestOneInput /src/fuzz/main_libfuzzer.c:12:9
SUMMARY: libFuzzer: timeout
"""

OOM_LOG = """==77== ERROR: libFuzzer: out-of-memory (used: 2601Mb; exceeds: 2560Mb)
To change the out-of-memory limit use -rss_limit_mb=<N>
    #0 0x1 in __sanitizer_print_stack_trace
    #1 0x2 in fuzzer::Fuzzer::HandleMalloc(unsigned long)
    #2 0x3 in malloc
    #3 0x4 in vrs_mem_alloc /src/base/mem.c:40:9
    #4 0x5 in vrs_sim_new /src/sim/sim.c:120:2
SUMMARY: libFuzzer: out-of-memory (malloc(2727297024))
"""


def slurp(path):
    with open(path, "rb") as f:
        return f.read()


def put(path, data):
    with open(path, "wb") as f:
        f.write(data)


def quiet(fn, *a):
    with redirect_stdout(io.StringIO()):
        return fn(*a)


class Triage(unittest.TestCase):
    def test_timeout_is_a_finding_of_its_own_kind(self):
        kind, msg, frames, _ = campaign.classify(TIMEOUT_LOG, "timeout")
        self.assertEqual(kind, "timeout")
        self.assertIn("timeout after 26 seconds", msg)
        self.assertEqual(frames[:2], ["vrs_sim_steady", "run_sim_input"])

    def test_oom_is_a_finding_of_its_own_kind(self):
        kind, msg, frames, _ = campaign.classify(OOM_LOG, "out-of-memory")
        self.assertEqual(kind, "out-of-memory")
        self.assertEqual(frames[:2], ["vrs_mem_alloc", "vrs_sim_new"])

    def test_a_crash_is_not_a_timeout(self):
        text = "vrsim: finding [protocol]: used id 7 was never made available\n"
        self.assertEqual(campaign.classify(text, "timeout")[0], "protocol")


class WorkDir(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.wd = os.path.join(self.tmp.name, "wd")
        os.mkdir(self.wd)

    def tearDown(self):
        self.tmp.cleanup()

    def finding(self, kind, frames, data, count=1):
        path = os.path.join(self.tmp.name, "crash-%s-%d" % (kind, len(data)))
        with open(path, "wb") as f:
            f.write(data)
        with open(path + ".txt", "w") as f:
            f.write("ERROR: libFuzzer: %s\n" % kind)
        return {"target": "fuzz_sim", "kind": kind, "message": kind + " seen",
                "frames": frames, "summary": "", "file": path, "count": count,
                "key": campaign.dedup_key(kind, frames, "")}

    def test_check_makes_a_new_work_dir_and_refuses_others(self):
        self.assertEqual(quiet(workdir.check, self.wd, TOP), 0)
        v = json.loads(slurp(os.path.join(self.wd, "VERSION")))
        self.assertEqual(v["input_version"], workdir.input_version(TOP))
        self.assertGreaterEqual(v["input_version"], 2)
        with self.assertRaises(workdir.Refused):
            workdir.check(os.path.join(self.tmp.name, "missing"), TOP)
        other = os.path.join(self.tmp.name, "other")
        os.mkdir(other)
        open(os.path.join(other, "x"), "w").close()
        with self.assertRaisesRegex(workdir.Refused, "not a vrsim work directory"):
            workdir.check(other, TOP)

    def test_corrupt_history_is_refused_with_its_line(self):
        quiet(workdir.check, self.wd, TOP)
        with open(os.path.join(self.wd, "history.jsonl"), "w") as f:
            f.write('{"night": "a"}\n{"night": "b"}\nnot json\n')
        with self.assertRaisesRegex(workdir.Refused, "line 3 is not a JSON record"):
            workdir.check(self.wd, TOP)

    def test_new_then_known_and_the_smaller_input_kept(self):
        quiet(workdir.check, self.wd, TOP)
        to = self.finding("timeout", ["vrs_sim_steady"], b"x" * 50, count=2)
        new, known, _ = quiet(workdir.remember, self.wd, "N1", TOP, [to])
        self.assertEqual((len(new), known), (1, []))
        fdir = os.path.join(self.wd, "findings", "fuzz_sim", new[0])
        meta = json.loads(slurp(os.path.join(fdir, "finding.json")))
        self.assertEqual((meta["kind"], meta["first_seen"], meta["nights"], meta["count"]),
                         ("timeout", "N1", 1, 2))
        # a timeout is never minimised: each try would take as long
        self.assertFalse(meta["minimized"])
        again = self.finding("timeout", ["vrs_sim_steady"], b"y" * 10)
        new2, known2, _ = quiet(workdir.remember, self.wd, "N2", TOP, [again])
        self.assertEqual((new2, known2), ([], new))
        meta = json.loads(slurp(os.path.join(fdir, "finding.json")))
        self.assertEqual((meta["first_seen"], meta["last_seen"], meta["nights"], meta["count"]),
                         ("N1", "N2", 2, 3))
        self.assertEqual(slurp(os.path.join(fdir, "input")), b"y" * 10)
        # the same night twice counts one night
        quiet(workdir.remember, self.wd, "N2", TOP, [again])
        self.assertEqual(json.loads(slurp(os.path.join(fdir, "finding.json")))["nights"], 2)

    def test_other_frames_are_another_finding(self):
        quiet(workdir.check, self.wd, TOP)
        a = self.finding("out-of-memory", ["vrs_mem_alloc"], b"a")
        b = self.finding("out-of-memory", ["vrs_other"], b"bb")
        new, _, _ = quiet(workdir.remember, self.wd, "N1", TOP, [a, b])
        self.assertEqual(len(set(new)), 2)

    def test_a_catalogued_finding_is_never_new(self):
        quiet(workdir.check, self.wd, TOP)
        f = self.finding("kernel-bug", ["detach_buf_split"], b"k" * 5)
        f["catalogue"] = {"entry": "e", "title": "T", "verdict": "kernel-bug",
                          "kernels": ["6.1.192"], "path": "catalogue/e/entry"}
        new, known, listed = quiet(workdir.remember, self.wd, "N1", TOP, [f])
        self.assertEqual((new, known, len(listed)), ([], [], 1))
        new, known, listed2 = quiet(workdir.remember, self.wd, "N2", TOP, [f])
        self.assertEqual((new, known, listed2), ([], [], listed))
        meta = json.loads(slurp(os.path.join(self.wd, "findings", "fuzz_sim", listed[0],
                                             "finding.json")))
        self.assertEqual(meta["catalogue"]["entry"], "e")
        # a night of catalogued findings only: "known", exit 3
        self.assertEqual(status.exit_status(new, known + listed2, [], False), 3)

    def test_status_for_a_scheduler(self):
        s = status.exit_status
        self.assertEqual(s([], [], [], False), 0)
        self.assertEqual(s(["a"], ["b"], [], True), 1)
        self.assertEqual(s([], ["b"], [], False), 3)
        self.assertEqual(s([], ["b"], ["fuzz_sim/libfuzzer"], False), 4)
        self.assertEqual(s([], ["b"], [], True), 130)

    def test_salvage_keeps_every_queue_entry(self):
        quiet(workdir.check, self.wd, TOP)
        q = os.path.join(self.wd, "nights", "N1", "work", "libfuzzer", "fuzz_sim", "queue")
        a = os.path.join(self.wd, "nights", "N1", "work", "afl", "fuzz_sim", "sync", "main", "queue")
        os.makedirs(q)
        os.makedirs(a)
        for i in range(5):
            put(os.path.join(q, "u%d" % i), b"lf%d" % i)
            put(os.path.join(a, "id:%06d" % i), b"afl%d" % i)
        put(os.path.join(a, "id:000009"), b"lf0")  # the same input twice
        quiet(workdir.salvage, self.wd, "N1")
        got = {slurp(os.path.join(self.wd, "corpus", "fuzz_sim", n))
               for n in os.listdir(os.path.join(self.wd, "corpus", "fuzz_sim"))}
        self.assertEqual(got, {b"lf%d" % i for i in range(5)} | {b"afl%d" % i for i in range(5)})

    def test_pending_lists_nights_without_a_record(self):
        quiet(workdir.check, self.wd, TOP)
        for n in ("N1", "N2", "N3"):
            os.makedirs(os.path.join(self.wd, "nights", n))
        put(os.path.join(self.wd, "nights", "N3", ".finished"), b"0\n")
        workdir.append_history(self.wd, {"night": "N1"})
        self.assertEqual(workdir.pending(self.wd), ["N2"])


if __name__ == "__main__":
    unittest.main()
