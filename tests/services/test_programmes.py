"""Programmes added by admins: trimmed, limited, unique ignoring case."""

from __future__ import annotations

from bot.services.programmes import ProgrammeProblem, add_programme, programme_names
from tests.factories import NOW


def test_add_programme_trims_the_name_and_lists_programmes_by_name(storage):
    second = add_programme(storage, "  Парасат   жолы ", NOW)
    first = add_programme(storage, "Одна страна – одна книга", NOW)

    with storage.reading() as uow:
        names = programme_names(uow)

    assert not isinstance(first, ProgrammeProblem)
    assert not isinstance(second, ProgrammeProblem)
    assert names == [(first.id, "Одна страна – одна книга"), (second.id, "Парасат жолы")]


def test_add_programme_refuses_a_taken_name_in_any_case(storage):
    add_programme(storage, "Парасат жолы", NOW)

    refused = add_programme(storage, "ПАРАСАТ ЖОЛЫ", NOW)

    assert isinstance(refused, ProgrammeProblem)
    assert (refused.msgid, refused.params) == (
        "There is already a programme named «{name}».", {"name": "Парасат жолы"})


def test_add_programme_refuses_an_empty_or_long_name(storage):
    empty = add_programme(storage, "   ", NOW)
    long = add_programme(storage, "x" * 201, NOW)
    longest = add_programme(storage, "x" * 200, NOW)

    assert isinstance(empty, ProgrammeProblem)
    assert isinstance(long, ProgrammeProblem)
    assert long.params == {"limit": 200}
    assert not isinstance(longest, ProgrammeProblem)
