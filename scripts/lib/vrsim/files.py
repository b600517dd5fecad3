"""Writing files a campaign keeps: whole or not at all, with the user's
umask, a full disk told apart from other failures."""

import errno
import json
import os
import shutil
import tempfile


def _read_umask():
    old = os.umask(0)
    os.umask(old)
    return old


UMASK = _read_umask()


class Refused(Exception):
    """A work dir or file vrsim must not use as it is: exit 2."""


class DiskFull(Exception):
    """A write failed for lack of space: exit 4, the old files stay."""


def disk_full(ex):
    return isinstance(ex, OSError) and ex.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)


def write_via_temp(path, fill):
    """Write PATH through a temp file and a rename: never half a file."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix=".tmp-")
    try:
        os.fchmod(fd, 0o666 & ~UMASK)
        with os.fdopen(fd, "wb") as f:
            fill(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if disk_full(e):
            raise DiskFull("cannot write %s: %s" % (path, e.strerror)) from e
        raise


def write_whole(path, text):
    write_via_temp(path, lambda f: f.write(text.encode() if isinstance(text, str) else text))


def copy_whole(src, dst):
    def fill(f):
        with open(src, "rb") as s:
            shutil.copyfileobj(s, f)
    write_via_temp(dst, fill)


def load_json(path):
    """PATH's JSON, None when there is no such file; Refused when it is
    not JSON."""
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise Refused("%s is not readable JSON (%s): repair or move it aside" % (path, e))
