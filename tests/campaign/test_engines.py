#!/usr/bin/env python3
"""vrsim/engines.py: the engines' command lines, restarts and fork mode,
the sampler, the merge, the work dir lock and the watchdog, with fake
fuzzer executables (shell scripts) in a fake build."""
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

LIB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "lib")
sys.path.insert(0, LIB)
from vrsim import common, engines  # noqa: E402

# A fake libFuzzer: logs its arguments; FAKE_CRASHES runs crash (writing
# the artifact, which also sits in the queue), the later ones end well.
FAKE = textwrap.dedent("""\
    #!/bin/bash
    dir=$(dirname "$0")
    echo "$*" >>"$dir/args"
    n=$(($(cat "$dir/count" 2>/dev/null || echo 0) + 1))
    echo $n >"$dir/count"
    prefix=""
    for a in "$@"; do case $a in -artifact_prefix=*) prefix=${a#*=} ;; esac; done
    queue=${@: -1}
    case " $* " in *" -merge=1 "*)
        [ -n "$FAKE_MERGE_FAILS" ] && exit 1
        cp "${@: -1}"/* "${@: -2:1}"/ 2>/dev/null; exit 0 ;;
    esac
    echo "#2 INITED cov: 10 ft: 5 corp: 1/1b exec/s: 0 rss: 30Mb"
    echo "#9 NEW cov: 1$n ft: 6 corp: 2/2b lim: 4 exec/s: 0 rss: 30Mb"
    if [ "$n" -le "${FAKE_CRASHES:-0}" ]; then
        printf 'BAD' >"$queue/bad"
        printf 'BAD' >"${prefix}crash-0123"
        echo "vrsim: finding [protocol]: used id $n was never made available"
        echo "Test unit written to ${prefix}crash-0123"
        exit 1
    fi
    echo "stat::number_of_executed_units: 100"
    exit 0
    """)


class Base(unittest.TestCase):
    def setUp(self):
        t = self.enterContext(tempfile.TemporaryDirectory())
        self.top = os.path.join(t, "top")
        self.out = os.path.join(t, "out")
        self.build = os.path.join(t, "build")
        os.makedirs(os.path.join(self.build, "fuzz"))
        os.makedirs(self.out)
        self.exe = os.path.join(self.build, "fuzz", "fuzz_sim")
        with open(self.exe, "w") as f:
            f.write(FAKE)
        os.chmod(self.exe, 0o755)
        seeds = os.path.join(self.top, "corpora", "fuzz_sim", "seeds")
        os.makedirs(seeds)
        for i in range(3):
            with open(os.path.join(seeds, "s%d" % i), "wb") as f:
                f.write(b"seed%d" % i)
        open(os.path.join(seeds, ".hidden"), "w").close()
        with open(os.path.join(self.top, "corpora", "fuzz_sim", "fuzz_sim.dict"), "w") as f:
            f.write('"x"\n')
        self.said = []
        self.run = engines.Run(self.out, ["fuzz_sim"], 30, 1,
                               {"libfuzzer": self.build, "afl": self.build,
                                "afl-cmplog": self.build + "-cmplog"},
                               top=self.top, cores=[engines.cpus()[0]],
                               log=lambda m, err=False: self.said.append(m))

    def args(self):
        with open(os.path.join(self.build, "fuzz", "args")) as f:
            return [line.split() for line in f]

    def lf(self, *p):
        return os.path.join(self.out, "work", "libfuzzer", "fuzz_sim", *p)


class LibFuzzer(Base):
    def test_command_line(self):
        d = self.lf()
        cmd = engines.libfuzzer_cmd(self.run, "fuzz_sim", 3, 25, [], d)
        self.assertEqual(cmd[:5], ["taskset", "-c", "3", self.exe, "-max_total_time=25"])
        for a in common.LIBFUZZER_LIMITS + common.LIBFUZZER_SCHEDULE + ["-print_final_stats=1"]:
            self.assertIn(a, cmd)
        self.assertIn("-dict=" + os.path.join(self.top, "corpora", "fuzz_sim", "fuzz_sim.dict"), cmd)
        self.assertEqual(cmd[-2:], ["-artifact_prefix=%s/artifacts/" % d, d + "/queue"])
        fork = engines.libfuzzer_cmd(self.run, "fuzz_sim", 3, 25, engines.FORK_MODE, d)
        self.assertIn("-fork=1", fork)
        self.assertIn("-ignore_crashes=1", fork)

    def test_seeds_and_a_run_that_ends_well(self):
        engines.run_libfuzzer(self.run)
        self.assertEqual(sorted(os.listdir(self.lf("seeds"))), ["s0", "s1", "s2"])
        self.assertEqual(sorted(os.listdir(self.lf("queue"))), ["s0", "s1", "s2"])
        with open(self.lf("runs.tsv")) as f:
            rows = [r.split() for r in f]
        self.assertEqual(len(rows), 1)
        self.assertEqual((rows[0][0], rows[0][3]), ("1", "0"))
        self.assertEqual(len(self.args()), 1)
        # no pid file, no active file is left
        self.assertEqual([n for n in os.listdir(self.lf()) if n.startswith(("pid.", "active."))], [])
        self.assertTrue(any("fuzz_sim done (libFuzzer on core" in m and "1 run(s))" in m
                            for m in self.said))

    def fuzz_crashing(self, runs):
        """The fuzzer's args of each run when its first RUNS runs crash."""
        os.environ["FAKE_CRASHES"] = str(runs)
        self.addCleanup(os.environ.pop, "FAKE_CRASHES")
        engines.run_libfuzzer(self.run)
        return self.args()

    def test_a_crash_restarts_with_the_time_left_and_its_input_aside(self):
        args = self.fuzz_crashing(1)
        self.assertEqual(len(args), 2)
        left = int(args[1][3].split("=")[1])
        self.assertTrue(0 < left <= 30, args[1])
        self.assertNotIn("-fork=1", args[1])
        self.assertEqual(os.listdir(self.lf("quarantine")), ["bad"])
        self.assertNotIn("bad", os.listdir(self.lf("queue")))
        self.assertTrue(any("fuzz_sim: vrsim: finding [protocol]: used id 1 was never made "
                            "available (fuzzing goes on)" in m for m in self.said))

    def test_after_three_stops_fork_mode_and_one_message_a_kind(self):
        args = self.fuzz_crashing(9)
        self.assertEqual(len(args), 4)
        self.assertEqual(["-fork=1" in a for a in args], [False, False, False, True])
        self.assertEqual(sum("fuzzing goes on" in m for m in self.said), 1)
        self.assertTrue(any("4 run(s), the last in fork mode" in m for m in self.said))

    def test_a_stop_starts_nothing(self):
        engines.touch(self.run.stop_file)
        engines.run_libfuzzer(self.run)
        self.assertFalse(os.path.exists(os.path.join(self.build, "fuzz", "args")))

    def test_slots(self):
        self.assertEqual(engines.slots(["a", "b", "c"], 2), (["a", "b", "c"], 2))
        self.assertEqual(engines.slots(["a"], 2), (["a", "a"], 2))
        self.assertEqual(engines.slots(["a", "b"], 5), (["a", "b"] * 2, 4))


class Afl(Base):
    def test_command_lines(self):
        d = os.path.join(self.out, "work", "afl", "fuzz_sim")
        self.run.jobs = 2
        (m, main), (c, cmplog) = engines.afl_cmds(self.run, "fuzz_sim", 0, 1, d + "/in", d)
        self.assertEqual((m, c), ("main", "cmplog"))
        self.assertEqual(main[:6], ["taskset", "-c", "0", "afl-fuzz", "-M", "main"])
        self.assertIn("-V", main)
        self.assertEqual(main[main.index("-V") + 1], "30")
        self.assertEqual(main[-2:], ["--", os.path.join(self.build, "fuzz", "afl_fuzz_sim")])
        self.assertIn("-x", main)
        self.assertEqual(cmplog[4:7], ["-S", "cmplog", "-c"])
        self.assertEqual(cmplog[7],
                         os.path.join(self.build + "-cmplog", "fuzz", "afl_fuzz_sim"))
        self.assertEqual(len(engines.afl_cmds(self.run, "fuzz_sim", 0, None, "i", d)), 1)

    def test_pairs_of_cores(self):
        self.run.cores = [0, 1, 2, 3]
        self.run.jobs = 4
        self.run.targets = ["a", "b", "c"]
        self.assertEqual(engines.afl_pairs(self.run), [(0, 1), (2, 3)])
        self.run.jobs = 1
        self.assertEqual(engines.afl_pairs(self.run), [(0, None)])

    def test_the_sanitizers_options_are_left_out(self):
        os.environ["ASAN_OPTIONS"] = "x=1"
        self.addCleanup(os.environ.pop, "ASAN_OPTIONS")
        env = engines.afl_env()
        self.assertNotIn("ASAN_OPTIONS", env)
        self.assertEqual(env["AFL_NO_UI"], "1")


class Sampler(Base):
    def test_last_coverage_plain_and_fork_mode(self):
        log = os.path.join(self.out, "log")
        with open(log, "w") as f:
            f.write("INFO: Seed: 1\n#2 INITED cov: 10 ft: 5 corp: 1/1b exec/s: 0\n"
                    "#9 NEW cov: 12 ft: 6 corp: 2/2b exec/s: 0\n")
        self.assertEqual(engines.last_cov(log), 12)
        with open(log, "a") as f:
            f.write("#2622: cov: 40 ft: 80 corp: 3 exec/s 24 oom/timeout/crash: 0/2/7\n")
        self.assertEqual(engines.last_cov(log), 40)
        self.assertEqual(engines.last_cov(log + ".missing"), 0)

    def test_sample_once_takes_the_best_instance(self):
        os.makedirs(self.lf("logs"))
        for core, cov in ((0, 12), (1, 30)):
            log = self.lf("logs", "run-%d-1.log" % core)
            with open(log, "w") as f:
                f.write("#9 NEW cov: %d ft: 6 corp: 2/2b exec/s: 0\n" % cov)
            with open(self.lf("active.%d" % core), "w") as f:
                f.write(log + "\n")
        with open(self.lf("t0"), "w") as f:
            f.write("%d\n" % (time.time() - 5))
        engines.sample_once(self.out)
        with open(self.lf("cov.tsv")) as f:
            t, c = f.read().split()
        self.assertEqual(c, "30")
        self.assertIn(int(t), (5, 6))


class Merge(Base):
    def setUp(self):
        super().setUp()
        os.makedirs(self.lf("queue"))
        for i in range(3):
            with open(self.lf("queue", "q%d" % i), "wb") as f:
                f.write(b"q%d" % i)

    def test_merge_into_the_corpus(self):
        engines.merge(self.run)
        self.assertEqual(sorted(os.listdir(os.path.join(self.out, "corpus", "fuzz_sim"))),
                         ["q0", "q1", "q2"])
        self.assertFalse(os.path.exists(os.path.join(self.out, "work", "merge", "fuzz_sim",
                                                     "pid.merge")))

    def test_a_failed_merge_copies_everything(self):
        os.environ["FAKE_MERGE_FAILS"] = "1"
        self.addCleanup(os.environ.pop, "FAKE_MERGE_FAILS")
        engines.merge(self.run)
        got = os.listdir(os.path.join(self.out, "corpus", "fuzz_sim"))
        self.assertEqual(sorted(got), sorted(engines.sha1(self.lf("queue", n))
                                             for n in ("q0", "q1", "q2")))
        self.assertTrue(any("merge failed (status 1" in m for m in self.said))


class LockAndWatchdog(Base):
    def test_one_run_a_work_dir(self):
        fd = engines.lock_workdir(self.out)
        self.assertIsNotNone(fd)
        self.addCleanup(os.close, fd)
        self.assertIn("pid %d since" % os.getpid(), engines.lock_holder(self.out))
        # another open file description: refused after the wait
        r = subprocess.run([sys.executable, "-c",
                            "import sys; sys.path.insert(0, %r); from vrsim import engines; "
                            "sys.exit(engines.lock_workdir(%r, wait=0.5) is not None)"
                            % (LIB, self.out)])
        self.assertEqual(r.returncode, 0)

    def test_the_watchdog_stops_the_fuzzers_of_a_killed_run(self):
        # a "campaign" that starts a watchdog and a fuzzer, then dies as
        # by kill -9
        d = self.lf()
        os.makedirs(d)
        code = ("import os, subprocess, sys, time; sys.path.insert(0, %r)\n"
                "from vrsim import engines\n"
                "p = subprocess.Popen(['sleep', '300'])\n"
                "open(%r, 'w').write('%%d\\n' %% p.pid)\n"
                "engines.start_watchdog(%r)\n"
                "time.sleep(0.5)\n"
                "os.kill(os.getpid(), 9)\n" % (LIB, os.path.join(d, "pid.0.1"), self.out))
        subprocess.run([sys.executable, "-c", code])
        with open(os.path.join(d, "pid.0.1")) as f:
            pid = int(f.read())
        for _ in range(100):
            stat = engines.read("/proc/%d/stat" % pid).split()
            if not stat or stat[2] == "Z":
                break
            time.sleep(0.1)
        else:
            os.kill(pid, signal.SIGKILL)
            self.fail("the watchdog left the fuzzer running")
        self.assertTrue(os.path.exists(self.run.stop_file))

    def test_stop_fuzzers_by_their_pid_files(self):
        d = self.lf()
        os.makedirs(d)
        p = subprocess.Popen(["sleep", "300"])
        with open(os.path.join(d, "pid.0.1"), "w") as f:
            f.write("%d\n" % p.pid)
        self.run.stop()
        self.assertEqual(p.wait(10), -signal.SIGTERM)
        self.assertTrue(self.run.interrupted and self.run.stopped())


if __name__ == "__main__":
    unittest.main()
