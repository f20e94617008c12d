"""Bot-level Bot API methods: identity, update delivery, webhooks, commands, menu button."""

from __future__ import annotations

import copy
import json
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.sandbox.fakeapi.shapes import ApiError, JSONDict, Upload
from bot.sandbox.fakeapi.webhook import DEFAULT_MAX_CONNECTIONS

if TYPE_CHECKING:
    from bot.sandbox.fakeapi.methods import Handler
    from bot.sandbox.fakeapi.server import FakeBotApi

# Methods that only need an "ok" from us; bots commonly call them once at start-up.
_ACCEPTED_NOOPS = (
    "setMyDescription",
    "setMyShortDescription",
    "setMyName",
    "setMyDefaultAdministratorRights",
)


# What Telegram accepts in setWebhook.
_WEBHOOK_PORTS = frozenset({80, 88, 443, 8443})
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def commands_key(scope: JSONDict | None, language_code: str | None) -> tuple[str, str]:
    return json.dumps(scope or {"type": "default"}, sort_keys=True), language_code or ""


class SetupMethods:
    def __init__(self, api: FakeBotApi) -> None:
        self.api = api
        self.table: dict[str, Handler] = {
            "getMe": self.get_me,
            "getUpdates": self.get_updates,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "close": self.always_true,
            "logOut": self.always_true,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "setChatMenuButton": self.set_chat_menu_button,
            "getChatMenuButton": self.get_chat_menu_button,
            **dict.fromkeys(_ACCEPTED_NOOPS, self.always_true),
        }
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.menu_buttons: dict[int | None, JSONDict] = {}
        self.webhook_url = ""

    # --- bot & updates ---------------------------------------------------------------------

    async def always_true(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        return True

    async def get_me(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        return {
            **self.api.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def get_updates(self, params: JSONDict, files: dict[str, Upload]) -> list[JSONDict]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        return await self.api.updates.get(
            offset=params.get("offset"),
            limit=int(params.get("limit") or 100),
            poll_seconds=float(params.get("timeout") or 0),
            allowed_updates=params.get("allowed_updates"),
        )

    async def set_webhook(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        url = str(params.get("url") or "")
        if url:
            _check_webhook(url)
        secret = params.get("secret_token")
        if secret is not None and not _SECRET.fullmatch(str(secret)):
            raise ApiError.bad_request("secret token contains unallowed characters")
        max_connections = int(params.get("max_connections") or DEFAULT_MAX_CONNECTIONS)
        self.webhook_url = url
        if params.get("drop_pending_updates"):
            self.api.updates.drop_pending()
        self.api.updates.allow(params.get("allowed_updates"))
        # Telegram keeps max_connections within 1-100 rather than refusing it.
        self.api.webhook.configure(
            url, None if secret is None else str(secret), max(1, min(100, max_connections))
        )
        return True

    async def delete_webhook(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        self.webhook_url = ""
        self.api.webhook.configure("", None, DEFAULT_MAX_CONNECTIONS)
        if params.get("drop_pending_updates"):
            self.api.updates.drop_pending()
        return True

    async def get_webhook_info(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        info: JSONDict = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.api.updates.pending_ids()),
        }
        if self.webhook_url:
            info["max_connections"] = self.api.webhook.max_connections
        error = self.api.webhook.last_error
        if self.webhook_url and error is not None:
            info["last_error_date"], info["last_error_message"] = int(error[0]), error[1]
        return info

    # --- commands & menu -------------------------------------------------------------------

    async def set_my_commands(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError.bad_request('parameter "commands" is required')
        for item in commands:
            name, description = str(item.get("command", "")), str(item.get("description", ""))
            valid_name = 1 <= len(name) <= 32 and all(
                c.islower() or c.isdigit() or c == "_" for c in name
            )
            if not valid_name or not 1 <= len(description) <= 256:
                raise ApiError.bad_request("BOT_COMMAND_INVALID")
        key = commands_key(params.get("scope"), params.get("language_code"))
        self.commands[key] = [
            {"command": item["command"], "description": item["description"]} for item in commands
        ]
        return True

    async def get_my_commands(self, params: JSONDict, files: dict[str, Upload]) -> list[JSONDict]:
        key = commands_key(params.get("scope"), params.get("language_code"))
        return copy.deepcopy(self.commands.get(key, []))

    async def delete_my_commands(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        self.commands.pop(commands_key(params.get("scope"), params.get("language_code")), None)
        return True

    async def set_chat_menu_button(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        chat_id = params.get("chat_id")
        if chat_id is not None:
            self.api.resolve_chat(chat_id, for_sending=False)
        self.menu_buttons[chat_id] = params.get("menu_button") or {"type": "default"}
        return True

    async def get_chat_menu_button(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        chat_id = params.get("chat_id")
        button = self.menu_buttons.get(chat_id) or self.menu_buttons.get(None)
        return copy.deepcopy(button or {"type": "default"})


def _check_webhook(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise ApiError.bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    try:
        port = parts.port or 443
    except ValueError:
        port = 0
    if port not in _WEBHOOK_PORTS:
        raise ApiError.bad_request(
            "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
        )
