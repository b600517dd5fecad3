#!/usr/bin/env python3
"""Kept for what runs it by path: the module is vrsim/triage.py."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vrsim.triage import *  # noqa: F401,F403
from vrsim.triage import main

if __name__ == "__main__":
    sys.exit(main(sys.argv))
