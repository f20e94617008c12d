from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import StatementError

from storage.models import User


def test_utc_datetime_round_trips_as_aware_utc(storage):
    almaty_noon = datetime(2026, 12, 5, 12, 0, tzinfo=timezone(timedelta(hours=5)))
    with storage.uow() as uow:
        uow.users.add(User(id=5_000_000_001, created_at=almaty_noon))
        uow.commit()

    with storage.uow() as uow:
        stored = uow.users.get(5_000_000_001).created_at

    assert stored == datetime(2026, 12, 5, 7, 0, tzinfo=UTC)
    assert stored.tzinfo == UTC


def test_utc_datetime_refuses_naive_values(storage):
    with storage.uow() as uow:
        uow.users.add(User(id=1, created_at=datetime(2026, 12, 5, 12, 0)))  # noqa: DTZ001

        with pytest.raises(StatementError, match="naive datetime"):
            uow.commit()
