"""Run the fake Bot API alone, in a process of its own (benchmarks drive it over HTTP):

    python -m bot.sandbox.fakeapi [--port 0] [--latency 0.05] [--limits] [--rate 30]
        [--paid-rate 1000] [--webhook-route kopir.test=http://127.0.0.1:8080]

It prints one line, ``listening http://HOST:PORT``, once it accepts requests, and runs until
SIGTERM or SIGINT. Chats are set up and observed through the ``/_fake/`` endpoints
(`bot.sandbox.fakeapi.control`). A bot that sets a webhook gets its updates posted to it,
through the route given for the webhook's host (`bot.sandbox.fakeapi.webhook`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from bot.sandbox.fakeapi.server import FakeBotApi


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.sandbox.fakeapi", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default="123456:TEST-TOKEN")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument(
        "--limits", action="store_true", help="enforce flood control (429 with retry_after)"
    )
    parser.add_argument("--rate", type=int, default=30, help="messages per second, all chats")
    parser.add_argument("--paid-rate", type=int, default=1000, help="with allow_paid_broadcast")
    parser.add_argument("--chat-rate", type=int, default=1, help="per second into one chat")
    parser.add_argument("--group-rate", type=int, default=20, help="per minute into one group")
    parser.add_argument(
        "--webhook-route", action="append", default=[], metavar="HOST=URL",
        help="post webhooks set for HOST to this plain-HTTP base URL (repeatable)",
    )
    parser.add_argument("--webhook-retry", type=float, default=0.05,
                        help="seconds before a failed webhook post is tried again (doubling)")
    parser.add_argument("--webhook-retry-max", type=float, default=1.0,
                        help="the longest wait between tries of one webhook post, s")
    args = parser.parse_args(argv)
    routes = {}
    for route in args.webhook_route:
        host, separator, url = route.partition("=")
        if not separator or not host or not url.startswith("http://"):
            parser.error(f"--webhook-route {route!r}: expected HOST=http://ADDRESS:PORT")
        routes[host] = url
    api = FakeBotApi(
        args.token,
        host=args.host,
        port=args.port,
        latency=args.latency,
        enforce_limits=args.limits,
        global_rate=args.rate,
        per_chat_rate=args.chat_rate,
        paid_rate=args.paid_rate,
        group_rate=args.group_rate,
        webhook_routes=routes,
        webhook_retry=(args.webhook_retry, args.webhook_retry_max),
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(api))
    return 0


async def _serve(api: FakeBotApi) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await api.start()
    sys.stdout.write(f"listening {api.url}\n")
    sys.stdout.flush()
    try:
        await stop.wait()
    finally:
        await api.stop()


if __name__ == "__main__":
    raise SystemExit(main())
