"""Every kind of outbox row has its renderer: a kind added without one fails here, not
when its first row is due."""

from bot.delivery.compose import RENDERERS
from storage.models import NotificationKind


def test_compose_renderers_cover_every_notification_kind():
    assert sorted(RENDERERS) == sorted(NotificationKind)
