#!/usr/bin/env python3
"""vrsim/status.py: the one function that decides a campaign's exit status."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "lib"))
from vrsim import status  # noqa: E402

s = status.exit_status


class ExitStatus(unittest.TestCase):
    def test_nothing_found_is_0(self):
        self.assertEqual(s(), 0)
        self.assertEqual(s(0, 0, [], False, False), 0)

    def test_a_new_finding_is_1_whatever_else(self):
        self.assertEqual(s(new=1), 1)
        self.assertEqual(s(new=["a"], known=["b"]), 1)
        self.assertEqual(s(new=2, interrupted=True), 1)
        self.assertEqual(s(new=1, failed=["fuzz_sim/libfuzzer"]), 1)
        # even from a run whose report or record failed afterwards
        self.assertEqual(s(new=1, broken=True), 1)

    def test_known_only_is_3(self):
        self.assertEqual(s(known=3), 3)
        self.assertEqual(s(known=["catalogued-id"]), 3)

    def test_a_failed_run_is_4(self):
        self.assertEqual(s(broken=True), 4)
        self.assertEqual(s(known=1, broken=True), 4)
        self.assertEqual(s(interrupted=True, broken=True), 4)

    def test_a_target_that_ran_no_input_is_4(self):
        self.assertEqual(s(failed=["fuzz_sim/libfuzzer"]), 4)
        self.assertEqual(s(known=["b"], failed=["fuzz_sim/libfuzzer"]), 4)

    def test_unless_the_run_was_cut_short(self):
        # an interrupted (or killed, then recovered) run's targets ran short
        self.assertEqual(s(failed=["fuzz_sim/libfuzzer"], interrupted=True), 130)

    def test_interrupted_with_nothing_new_is_130(self):
        self.assertEqual(s(interrupted=True), 130)
        # catalogued or earlier findings are nothing new
        self.assertEqual(s(known=2, interrupted=True), 130)

    def test_result_lines(self):
        self.assertEqual(status.result_line(0), "RESULT: nothing new -- exit 0")
        self.assertEqual(status.result_line(1), "RESULT: new finding(s) -- exit 1")
        self.assertIn("exit 3", status.result_line(3))
        self.assertEqual(status.result_line(4), "RESULT: the run failed -- exit 4")
        self.assertEqual(status.result_line(130), "RESULT: interrupted, nothing new -- exit 130")


if __name__ == "__main__":
    unittest.main()
