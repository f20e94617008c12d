"""Kopir's conversations: python-telegram-bot's, with time-outs that take the reader's turn."""

from __future__ import annotations

from typing import Any

from telegram.ext import ContextTypes, ConversationHandler

from bot.runtime.updates import ReaderOrderProcessor


class ReaderConversationHandler(ConversationHandler[Any]):
    """A `ConversationHandler` whose time-out waits for the reader's turn like an update
    does (`ReaderOrderProcessor.timed_out_turn`): it does not run beside the reader's
    update being handled, and with several processes (`bot.runtime.shared`) it is void
    when another process has handled a later update of the reader meanwhile (that
    process keeps the conversation and its own time-out)."""

    async def _trigger_timeout(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        processor = context.application.update_processor
        job = context.job
        if not isinstance(processor, ReaderOrderProcessor) or job is None:
            await super()._trigger_timeout(context)
            return
        # PTB's _ConversationTimeoutContext: the conversation's key and its last update.
        timeout: Any = job.data
        async with processor.timed_out_turn(timeout.update) as stands:
            if stands:
                await super()._trigger_timeout(context)
                return
        async with self._timeout_jobs_lock:
            if self.timeout_jobs.get(timeout.conversation_key) is job:
                del self.timeout_jobs[timeout.conversation_key]
