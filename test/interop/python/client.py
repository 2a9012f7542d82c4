"""Drives the official centrifuge-python SDK against a server for the interop suite (test/interop).

Connects, subscribes to one channel, prints one JSON line per SDK event on stdout and runs line
commands read from stdin: the same lines as the Go client (test/interop/go/main.go), read by
test/interop/harness.ts.

Events: started, connecting, connected, disconnected, error, subscribing, subscribed, unsubscribed,
publication, presence, history, done (a command finished). Commands: presence [channel],
history [channel] [limit], disconnect, connect, quit. A command's result carries "command"; a
failed command prints an error event with "command" and the error's code.

With --delta fossil the subscription asks for Fossil delta compression; its publication events then
carry "delta", whether the frame held a delta (the SDK's Publication.delta).
"""

import argparse
import asyncio
import base64
import json
import sys
from importlib.metadata import version
from typing import Any, Awaitable, Callable, Dict, List

from centrifuge import (
    Client,
    ClientEventHandler,
    ConnectedContext,
    ConnectingContext,
    DeltaType,
    DisconnectedContext,
    ErrorContext,
    PublicationContext,
    ReplyError,
    SubscribedContext,
    SubscribingContext,
    SubscriptionErrorContext,
    SubscriptionEventHandler,
    UnsubscribedContext,
)


def emit(event: str, **fields: Any) -> None:
    """Prints one event line; everything runs on the event loop's thread, so lines stay whole."""
    sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
    sys.stdout.flush()


def payload(data: Any) -> Dict[str, Any]:
    """Publication data as the test published it: the JSON protocol gives it decoded, the protobuf
    protocol as the JSON's bytes; anything that is not JSON is reported in base64."""
    if not isinstance(data, bytes):
        return {"data": data}
    try:
        return {"data": json.loads(data)}
    except ValueError:
        return {"dataBase64": base64.b64encode(data).decode("ascii")}


def publication(pub: Any) -> Dict[str, Any]:
    fields = {"offset": pub.offset, **payload(pub.data)}
    if pub.tags:
        fields["tags"] = pub.tags
    return fields


def error_fields(error: BaseException, code: int) -> Dict[str, Any]:
    """Names an error by its protocol code where the server sent one, as the tests assert codes;
    otherwise by the SDK's own code for what failed."""
    if isinstance(error, ReplyError):
        return {"message": str(error), "code": error.code}
    return {"message": str(error) or type(error).__name__, "sdkCode": code}


class ClientEvents(ClientEventHandler):
    async def on_connecting(self, ctx: ConnectingContext) -> None:
        emit("connecting", code=ctx.code, reason=ctx.reason)

    async def on_connected(self, ctx: ConnectedContext) -> None:
        emit("connected", client=ctx.client, version=ctx.version)

    async def on_disconnected(self, ctx: DisconnectedContext) -> None:
        emit("disconnected", code=ctx.code, reason=ctx.reason)

    async def on_error(self, ctx: ErrorContext) -> None:
        emit("error", **error_fields(ctx.error, ctx.code))


class SubscriptionEvents(SubscriptionEventHandler):
    def __init__(self, channel: str, report_delta: bool = False) -> None:
        self.channel = channel
        self.report_delta = report_delta

    async def on_subscribing(self, ctx: SubscribingContext) -> None:
        emit("subscribing", channel=self.channel, code=ctx.code, reason=ctx.reason)

    async def on_subscribed(self, ctx: SubscribedContext) -> None:
        fields: Dict[str, Any] = {
            "channel": self.channel,
            "recovered": ctx.recovered,
            "wasRecovering": ctx.was_recovering,
            "recoverable": ctx.recoverable,
            "positioned": ctx.positioned,
        }
        if ctx.stream_position is not None:
            fields["offset"] = ctx.stream_position.offset
            fields["epoch"] = ctx.stream_position.epoch
        emit("subscribed", **fields)

    async def on_unsubscribed(self, ctx: UnsubscribedContext) -> None:
        emit("unsubscribed", channel=self.channel, code=ctx.code, reason=ctx.reason)

    async def on_publication(self, ctx: PublicationContext) -> None:
        fields = publication(ctx.pub)
        if self.report_delta:
            fields["delta"] = ctx.pub.delta
        emit("publication", channel=self.channel, **fields)

    async def on_error(self, ctx: SubscriptionErrorContext) -> None:
        emit("error", channel=self.channel, **error_fields(ctx.error, ctx.code))


class Session:
    def __init__(self, client: Client, channel: str, timeout: float) -> None:
        self.client = client
        self.channel = channel
        self.timeout = timeout

    async def presence(self, args: List[str]) -> None:
        channel = args[0] if args else self.channel
        res = await self.client.presence(channel, timeout=self.timeout)
        clients = [{"client": info.client, "user": info.user} for info in res.clients.values()]
        clients.sort(key=lambda c: c["client"])
        emit("presence", command="presence", channel=channel, clients=clients)

    async def history(self, args: List[str]) -> None:
        channel = args[0] if args else self.channel
        limit = int(args[1]) if len(args) > 1 else -1
        res = await self.client.history(channel, limit=limit, timeout=self.timeout)
        emit(
            "history",
            command="history",
            channel=channel,
            offset=res.offset,
            epoch=res.epoch,
            publications=[publication(p) for p in res.publications],
        )

    async def disconnect(self, _args: List[str]) -> None:
        await self.client.disconnect()

    async def connect(self, _args: List[str]) -> None:
        await self.client.connect()

    def commands(self) -> Dict[str, Callable[[List[str]], Awaitable[None]]]:
        """The stdin commands; a scenario step the suite needs later is one more entry."""
        return {
            "presence": self.presence,
            "history": self.history,
            "disconnect": self.disconnect,
            "connect": self.connect,
        }


async def stdin_lines() -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    return reader


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="ws://host:port/connection/websocket")
    parser.add_argument("--token", default="", help="connection token (JWT)")
    parser.add_argument("--channel", default="", help="channel to subscribe to at start")
    parser.add_argument("--encoding", choices=["json", "protobuf"], default="json")
    parser.add_argument(
        "--min-reconnect-delay", type=float, default=0.1, help="seconds (the SDK's default 0.1)"
    )
    parser.add_argument("--timeout", type=float, default=5.0, help="deadline of a command, s")
    parser.add_argument(
        "--delta", choices=["fossil"], help="delta compression the subscription asks for"
    )
    args = parser.parse_args()

    client = Client(
        args.url,
        events=ClientEvents(),
        token=args.token,
        use_protobuf=args.encoding == "protobuf",
        name="switchboard-interop",
        min_reconnect_delay=args.min_reconnect_delay,
        timeout=args.timeout,
        proxy=None,
    )
    emit(
        "started",
        sdk="centrifuge-python",
        version=version("centrifuge-python"),
        encoding=args.encoding,
    )
    if args.channel:
        delta = DeltaType(args.delta) if args.delta else None
        sub = client.new_subscription(
            args.channel,
            events=SubscriptionEvents(args.channel, report_delta=delta is not None),
            delta=delta,
        )
        await sub.subscribe()
    await client.connect()

    session = Session(client, args.channel, args.timeout)
    commands = session.commands()
    reader = await stdin_lines()
    try:
        while line := await reader.readline():
            words = line.decode().split()
            if not words:
                continue
            if words[0] == "quit":
                break
            run = commands.get(words[0])
            if run is None:
                emit("error", command=words[0], message=f"unknown command {words[0]!r}")
                continue
            try:
                await run(words[1:])
            except Exception as error:  # noqa: BLE001 - every failure is reported to the test
                emit("error", command=words[0], **error_fields(error, 0))
                continue
            emit("done", command=words[0])
    finally:
        # stdin closed or quit: the harness is done with this client.
        await client.disconnect()


if __name__ == "__main__":
    asyncio.run(main())
