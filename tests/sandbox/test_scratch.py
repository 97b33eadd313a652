"""The writable places of a sandbox (``/tmp``, ``/dev/shm``) are capped in inodes as well as in
bytes on both backends: a flood of empty files stops at the cap, is the program's own failure
(never the sandbox's), and the next job finds its scratch space empty and whole again."""

from __future__ import annotations

import errno
import json

from tests.sandbox.conftest import ATTACK_LIMITS
from verigen.sandbox import Job, Pool, Status
from verigen.sandbox.transport import SHM_MAX_MB, inode_cap

COUNT_UNTIL_REFUSED = """
import json, os
found = {}
for place in ("/tmp", "/dev/shm"):
    made, written = 0, 0
    try:
        while made < 300_000:
            open(f"{place}/f{made}", "w").close()
            made += 1
    except OSError as exc:
        files_errno = exc.errno
    for i in range(made):
        os.unlink(f"{place}/f{i}")
    try:
        with open(f"{place}/big", "wb") as out:
            while written < 1 << 30:
                out.write(b"x" * (1 << 20))
                out.flush()
                written += 1
    except OSError as exc:
        bytes_errno = exc.errno
    os.unlink(f"{place}/big")
    found[place] = {"files": made, "files_errno": files_errno, "mib": written,
                    "bytes_errno": bytes_errno}
print(json.dumps(found))
"""
FLOOD = "i = 0\nwhile True:\n    open(f'/tmp/f{i}', 'w').close()\n    i += 1\n"


def _job(source: str) -> Job:
    return Job(files={"main.py": source}, command=("python3", "main.py"), limits=ATTACK_LIMITS)


def test_scratch_space_is_capped_in_inodes_and_bytes(sandbox: Pool) -> None:
    r = sandbox.run(_job(COUNT_UNTIL_REFUSED))
    assert r.status is Status.OK, r
    found = json.loads(r.stdout)
    for place, size_mb in (("/tmp", ATTACK_LIMITS.scratch_mb), ("/dev/shm", SHM_MAX_MB)):
        got = found[place]
        # The cap counts the directory itself and the job's own files (main.py in /tmp/job).
        assert inode_cap(size_mb) - 8 <= got["files"] < inode_cap(size_mb), (place, got)
        assert got["files_errno"] == errno.ENOSPC, (place, got)
        # RLIMIT_FSIZE (= scratch) or the tmpfs size stops one big file, whichever comes first.
        assert got["mib"] <= size_mb and got["bytes_errno"] in (errno.ENOSPC, errno.EFBIG), got


def test_an_inode_flood_is_the_programs_failure_and_the_next_job_is_whole(sandbox: Pool) -> None:
    r = sandbox.run(_job(FLOOD))
    assert r.status is Status.NONZERO_EXIT, r
    assert "No space left on device" in r.stderr, r.stderr[-500:]
    for _ in range(2):  # whichever worker ran the flood: its scratch is empty and whole again
        again = sandbox.run(_job(COUNT_UNTIL_REFUSED))
        assert again.status is Status.OK, again
        assert json.loads(again.stdout)["/tmp"]["files"] >= inode_cap(ATTACK_LIMITS.scratch_mb) - 8
