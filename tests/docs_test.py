#!/usr/bin/env python3
"""The docs a newcomer reads hold together: README.md is a front page
(about 200 lines, none over 100 characters), and every relative link in
README.md and docs/*.md reaches a file, every #anchor a heading of it
(GitHub's slugs). usage: docs_test.py [TOP]"""
import glob
import os
import re
import sys
import unittest

TOP = os.path.abspath(sys.argv.pop(1) if len(sys.argv) > 1 else
                      os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.*)")


def prose(path):
    """(line number, line) outside fenced code blocks."""
    fenced = False
    with open(path, encoding="utf-8") as f:
        for no, line in enumerate(f, 1):
            if line.startswith("```"):
                fenced = not fenced
            elif not fenced:
                yield no, line


def slug(heading):
    s = re.sub(r"[^\w\- ]", "", heading.replace("`", "").strip().lower())
    return s.replace(" ", "-")


def anchors(path):
    seen, out = {}, set()
    for _, line in prose(path):
        m = HEADING.match(line)
        if m:
            s = slug(m.group(1))
            n = seen.get(s, 0)
            seen[s] = n + 1
            out.add(s if n == 0 else "%s-%d" % (s, n))
    return out


def dead_links(path):
    for no, line in prose(path):
        for target in LINK.findall(line):
            if re.match(r"^[a-z]+:", target):
                continue  # http:, mailto:
            file, _, anchor = target.partition("#")
            dest = os.path.normpath(os.path.join(os.path.dirname(path), file)) if file else path
            if not os.path.exists(dest):
                yield "%s:%d: no such file: %s" % (os.path.relpath(path, TOP), no, target)
            elif anchor and dest.endswith(".md") and anchor not in anchors(dest):
                yield "%s:%d: no heading for #%s in %s" % (os.path.relpath(path, TOP), no, anchor,
                                                        os.path.relpath(dest, TOP))


class Docs(unittest.TestCase):
    def test_readme_is_a_front_page(self):
        with open(os.path.join(TOP, "README.md"), encoding="utf-8") as f:
            lines = f.read().splitlines()
        self.assertLessEqual(len(lines), 220)
        long = ["README.md:%d: %d characters" % (n, len(l))
                for n, l in enumerate(lines, 1) if len(l) > 100]
        self.assertEqual(long, [])

    def test_links_reach_their_files_and_headings(self):
        pages = [os.path.join(TOP, "README.md")] + sorted(glob.glob(os.path.join(TOP, "docs", "*.md")))
        self.assertIn(os.path.join(TOP, "docs", "design.md"), pages)
        dead = [d for p in pages for d in dead_links(p)]
        self.assertEqual(dead, [])

    def test_the_checker_sees_a_dead_link(self):
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            page = os.path.join(d, "p.md")
            with open(page, "w") as f:
                f.write("# Top\n[ok](#top) [gone](missing.md) [bad](#nowhere)\n")
            self.assertEqual(len(list(dead_links(page))), 2)


if __name__ == "__main__":
    unittest.main()
