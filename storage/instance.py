"""One Kopir process per SQLite database.

SQLite serves one writer at a time from one machine's disk, and Kopir's sender assumes
it is alone there (it takes back every half-sent row at start). A second `kopir run` on
the same file is refused at once with a clear message; several instances are for
PostgreSQL. The lock is an advisory `flock` on `<database>.instance.lock`, released by
the operating system when the process ends, however it ends.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url

from storage.db import normalize_url


class AnotherInstance(Exception):
    """Another process already runs Kopir on this SQLite database."""


def hold_single_instance(database_url: str) -> IO[bytes] | None:
    """On SQLite, take the database's instance lock and return the open lock file (keep it
    for the life of the process); raises `AnotherInstance` when it is taken. PostgreSQL
    (several instances allowed) and in-memory databases: None."""
    parsed = make_url(normalize_url(database_url))
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if sys.platform == "win32":
        return None  # no flock there: one instance is the operator's to keep
    import fcntl
    path = Path(parsed.database)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_file = open(path.with_name(path.name + ".instance.lock"), "ab")  # noqa: SIM115
    try:
        fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock_file.close()
        raise AnotherInstance(
            f"another Kopir is already running on {parsed.database} (SQLite serves one "
            "process; several instances need PostgreSQL)"
        ) from None
    lock_file.truncate(0)
    lock_file.write(f"{os.getpid()}\n".encode())
    lock_file.flush()
    return lock_file
