"""One kiosk per database: the lock file beside it is held for the life of the holder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kiosk.storage import DatabaseInUseError, DatabaseLock


def test_a_second_holder_is_refused_with_the_first_ones_pid_until_it_lets_go(tmp_path: Path) -> None:
    database = tmp_path / "kiosk.db"
    first = DatabaseLock.acquire(database)
    with pytest.raises(DatabaseInUseError) as refused:
        DatabaseLock.acquire(database)
    assert str(refused.value) == f"database {database} is in use by another kiosk process (pid {os.getpid()})"
    first.release()
    with DatabaseLock.acquire(database) as second:
        assert second.path == tmp_path / "kiosk.db.lock"
    assert not database.exists()  # locking never creates the database
