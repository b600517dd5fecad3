"""The exit status of a campaign, one-shot (scripts/fuzz --out) and
nightly (--workdir), for a scheduler: decided here and nowhere else
(documented in scripts/fuzz --help and docs/fuzzing-campaigns.md).

    0    nothing (new) found
    1    a finding not in the catalogue (nightly: nor seen on an earlier night)
    2    usage error, or a work dir that cannot be used (decided before any run)
    3    only catalogued findings, or findings seen on an earlier night
    4    the run failed: a build, a full disk, triage, or a target that ran
         no input
    130  interrupted (Ctrl-C, SIGTERM, or a killed night finished later)
         with nothing new found
"""

NOTHING_NEW, NEW_FINDING, USAGE, KNOWN_ONLY, FAILED, INTERRUPTED = 0, 1, 2, 3, 4, 130

RESULTS = {
    NOTHING_NEW: "nothing new",
    NEW_FINDING: "new finding(s)",
    KNOWN_ONLY: "only catalogued kernel findings or findings seen before, nothing new",
    FAILED: "the run failed",
    INTERRUPTED: "interrupted, nothing new",
}


def exit_status(new=0, known=0, failed=(), interrupted=False, broken=False):
    """The campaign's exit status.

    NEW: how many findings are new (not catalogued; nightly, not seen on an
    earlier night). KNOWN: how many are catalogued or seen before. FAILED:
    the target/engine pairs that ran no input. INTERRUPTED: the run was cut
    short (a signal, or a killed night finished by the next run). BROKEN:
    the run itself failed (a build, a full disk, triage or its record).

    The rules, in order: a new finding always says so (1), for that is what
    a scheduler must not miss, even from a run that failed later; then a
    failed run (4); a target that ran no input is a failure unless the run
    was cut short, which explains it; then an interruption (130); then
    known findings only (3); else 0."""
    if _count(new):
        return NEW_FINDING
    if broken or (_count(failed) and not interrupted):
        return FAILED
    if interrupted:
        return INTERRUPTED
    if _count(known):
        return KNOWN_ONLY
    return NOTHING_NEW


def _count(x):
    return x if isinstance(x, int) else len(x or ())


def result_line(status):
    """The closing line a campaign prints."""
    return "RESULT: %s -- exit %d" % (RESULTS.get(status, "exit %d" % status), status)
