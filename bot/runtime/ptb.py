"""Typed access to the parts of PTB's objects its types leave optional but Kopir always has."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, JobQueue, Updater


def job_queue_of(application: Application[Any, Any, Any, Any, Any, Any]) -> JobQueue[Any]:
    """The application's job queue (python-telegram-bot[job-queue] is a dependency)."""
    if application.job_queue is None:
        raise RuntimeError("no job queue: python-telegram-bot[job-queue] is not installed")
    return application.job_queue


def updater_of(application: Application[Any, Any, Any, Any, Any, Any]) -> Updater:
    """The application's updater (built with one unless `.updater(None)` was asked for)."""
    if application.updater is None:
        raise RuntimeError("the application was built without an updater")
    return application.updater


def conversation_states_of(
    application: Application[Any, Any, Any, Any, Any, Any],
) -> dict[str, Any]:
    """The states of every persistent conversation by its name, as PTB holds them in memory
    (its `TrackingDict`s). PTB reads them from the persistence once, at start-up, and has no
    public way to refresh them: several processes sharing a database do so before each
    update (`bot.runtime.shared`)."""
    states: dict[str, Any] = application._conversation_handler_conversations  # noqa: SLF001
    return states
