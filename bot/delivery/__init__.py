"""The delivery engine: everything that goes out through the outbox (reminders, notices,
contest results, broadcasts) within Telegram's limits, and replies paced beside it.

- `engine`: the sender job and its rules (start here); `run`: one pass over due rows;
- `answers`, `state`: what Telegram answered and what the engine remembers between passes;
- `ratelimit`: 30/s per bot, 1/s per chat; `http`: the aiohttp client;
- `outgoing`, `compose`: a row becomes one Bot API request.

A new kind of outgoing message: its renderer in `bot.messages` and its entry in
`compose.RENDERERS`."""
