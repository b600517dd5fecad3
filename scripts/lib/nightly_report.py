#!/usr/bin/env python3
"""The report of a nightly work directory: usage: nightly_report.py WORKDIR.
A thin entry point by path (scripts/fuzz runs it so) into vrsim/nightly.py,
which says what it reads, writes and its exit codes."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vrsim.nightly import *  # noqa: E402,F401,F403  (tests patch this module's names)
from vrsim.nightly import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv))
