"""The frame the organizers' guided forms share (/newevent, /newcontest).

Each form asks its own questions (`ask`, `on_button`, `on_text` in its module);
this frame gives it the rest, the same way for both: /cancel, a photo or file
where a text or a button was asked, an edited answer (not read: the question is
asked again), the time-out, and the buttons of a form that
was confirmed, cancelled or lost in a restart. Nothing is written before the
form's own Confirm, so every way out here says "nothing was saved".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.core.i18n import N_, Translator
from handlers.common import (
    EDITS_NOT_READ,
    TEXT_NEEDED,
    ActiveFlow,
    Context,
    chat_of,
    conversation,
    leave_flow,
    query_of,
    reader,
    user_data_of,
)

END = ConversationHandler.END
USE_BUTTONS = N_("Please choose one of the buttons below.")

Handler = Callable[[Update, Context], Coroutine[Any, Any, object]]


@dataclass(frozen=True)
class GuidedForm:
    """One form: `name` is its command and flow, answers live in `user_data[form_key]`,
    its buttons' data match `buttons`; the texts are msgids marked with `N_`."""

    name: str
    form_key: str
    buttons: str
    button_steps: tuple[Enum, ...]
    ask: Callable[[Update, Context, Translator, Any], Awaitable[object]]
    cancelled: str
    closed: str
    timed_out_text: str

    def register(
        self, app: Application, *, start: Handler, on_button: Handler, on_text: Handler,
        steps: Iterable[Enum],
    ) -> None:
        in_flow = ActiveFlow(app, self.name)
        # Every button's data names the step it answers, so a press on an old message
        # is recognised (and a dormant form resumed by its buttons).
        buttons = CallbackQueryHandler(on_button, pattern=self.buttons)
        text = MessageHandler(
            filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND & in_flow, on_text
        )
        app.add_handler(conversation(
            self.name,
            entry_points=[CommandHandler(self.name, start)],
            states={step: [buttons, text] for step in steps},
            fallbacks=[
                CommandHandler("cancel", self.cancel_command,
                               filters=ActiveFlow(app, self.name, when_idle=True)),
                MessageHandler(filters.UpdateType.MESSAGE & ~filters.COMMAND & in_flow,
                               self.not_text),
                MessageHandler(filters.UpdateType.EDITED_MESSAGE & in_flow, self.edited),
            ],
            timed_out=self.timed_out,
            allow_reentry=True,
        ))
        # Buttons of a form that was confirmed, cancelled or lost in a restart.
        app.add_handler(CallbackQueryHandler(self.form_closed, pattern=self.buttons))

    def end(self, context: Context) -> None:
        user_data_of(context).pop(self.form_key, None)
        leave_flow(context, self.name)

    async def cancel(self, update: Update, context: Context, t: Translator) -> object:
        self.end(context)
        await chat_of(update).send_message(t.gettext(self.cancelled))
        return END

    async def cancel_command(self, update: Update, context: Context) -> object:
        _user, t = await reader(update, context)
        return await self.cancel(update, context, t)

    async def not_text(self, update: Update, context: Context) -> object:
        """A photo, sticker or file where the form asked for text (or a button)."""
        _user, t = await reader(update, context)
        form = user_data_of(context).get(self.form_key)
        if form is None:
            return END
        step = form["step"]
        explanation = USE_BUTTONS if step in self.button_steps else TEXT_NEEDED
        await chat_of(update).send_message(t.gettext(explanation))
        return await self.ask(update, context, t, step)

    async def edited(self, update: Update, context: Context) -> object:
        """An answer edited after it was sent: edits are not read, so say so plainly and
        ask the current question again (an earlier answer is changed with Back)."""
        _user, t = await reader(update, context)
        form = user_data_of(context).get(self.form_key)
        if form is None:
            return END
        await chat_of(update).send_message(t.gettext(EDITS_NOT_READ))
        return await self.ask(update, context, t, form["step"])

    async def form_closed(self, update: Update, context: Context) -> object:
        _user, t = await reader(update, context)
        await query_of(update).answer(t.gettext(self.closed), show_alert=True)
        return END

    async def timed_out(self, update: Update, context: Context) -> None:
        """No answer for CONVERSATION_TIMEOUT: the form closes with nothing written."""
        self.end(context)
        _user, t = await reader(update, context)
        await chat_of(update).send_message(t.gettext(self.timed_out_text))
