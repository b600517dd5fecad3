#!/usr/bin/env python3
"""Kept for what runs it by path: the module is vrsim/catalogue.py."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vrsim.catalogue import *  # noqa: F401,F403
from vrsim.catalogue import main

if __name__ == "__main__":
    sys.exit(main(sys.argv))
