"""Roles: admins manage everything, organizers their libraries' events and contests."""

import pytest

from bot.services.organizer import create_event
from bot.services.roles import Access, Role, contest_access, event_access, role_of
from tests.contest_factories import make_contest
from tests.factories import NOW, make_event
from tests.org_factories import make_library, make_organizer
from tests.services.test_organizer import draft

ADMIN, ORGANIZER_X, ORGANIZER_Y, READER = 1, 2, 3, 4


@pytest.fixture
def libraries(storage):
    x, y = make_library(storage, "Library X"), make_library(storage, "Library Y")
    make_organizer(storage, ORGANIZER_X, x)
    make_organizer(storage, ORGANIZER_Y, y)
    return x, y


def _roles(storage):
    with storage.uow() as uow:
        return {who: role_of(uow, who, frozenset({ADMIN}))
                for who in (ADMIN, ORGANIZER_X, ORGANIZER_Y, READER)}


def test_event_access_follows_the_events_library(storage, libraries):
    x, _y = libraries
    of_x = make_event(storage, library_id=x)
    of_nobody = make_event(storage)
    roles = _roles(storage)

    with storage.uow() as uow:
        seen = {(who, event.id): event_access(uow, role, event.id)
                for who, role in roles.items() for event in (of_x, of_nobody)}

    assert seen == {
        (ADMIN, of_x.id): Access.ALLOWED, (ADMIN, of_nobody.id): Access.ALLOWED,
        (ORGANIZER_X, of_x.id): Access.ALLOWED,
        (ORGANIZER_X, of_nobody.id): Access.OTHER_LIBRARY,
        (ORGANIZER_Y, of_x.id): Access.OTHER_LIBRARY,
        (ORGANIZER_Y, of_nobody.id): Access.OTHER_LIBRARY,
        (READER, of_x.id): Access.NOT_ORGANIZER, (READER, of_nobody.id): Access.NOT_ORGANIZER,
    }


def test_contest_access_of_a_contest_that_is_gone_is_left_to_organizers(storage, libraries):
    x, _y = libraries
    contest = make_contest(storage, library_id=x)
    roles = _roles(storage)

    with storage.uow() as uow:
        seen = [(contest_access(uow, roles[ORGANIZER_Y], contest.id),
                 contest_access(uow, roles[ORGANIZER_Y], 999_999),
                 contest_access(uow, roles[READER], 999_999))]

    assert seen == [(Access.OTHER_LIBRARY, Access.ALLOWED, Access.NOT_ORGANIZER)]


def test_role_of_an_organizer_of_two_libraries_has_both(storage, libraries):
    x, y = libraries
    make_organizer(storage, 5, x, y)

    with storage.uow() as uow:
        role = role_of(uow, 5, frozenset())

    assert (role, role.organizer, role.scope) == (
        Role(5, False, frozenset({x, y})), True, frozenset({x, y}))


def test_new_event_of_an_organizer_belongs_to_their_library(storage, libraries):
    x, _y = libraries

    with storage.uow() as uow:
        by_organizer = create_event(uow, draft(), ORGANIZER_X, NOW)
        by_admin = create_event(uow, draft(key="by-admin"), ADMIN, NOW)
        uow.commit()

    assert (by_organizer.library_id, by_admin.library_id) == (x, None)
