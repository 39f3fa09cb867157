"""``ringback entities``: Duckling-compatible extraction from the command line.

``ringback entities TEXT`` prints the JSON list; ``--jsonl`` reads one request object per stdin
line and writes exactly one JSON list per line (a bad line gives ``[]``, the reason on
stderr); ``ringback entities serve`` runs the Duckling HTTP API.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from ringback.cli.output import fail
from ringback.domain.errors import ValidationError

Text = Annotated[str | None, typer.Argument(help="The text; 'serve' runs the HTTP API.")]
Locale = Annotated[str, typer.Option(help="en_US, ru_RU, en, ru …")]
Ref = Annotated[
    str | None, typer.Option(help="Reference time, ISO-8601 or epoch ms (default: now).")
]
Tz = Annotated[str | None, typer.Option(help="IANA zone the values are shown in.")]
Dims = Annotated[str | None, typer.Option(help="Comma list: time,number,ordinal,duration.")]


def _dump(entities: list[dict[str, Any]]) -> str:
    return json.dumps(entities, ensure_ascii=False)


def _jsonl(now: datetime) -> None:
    from ringback.entities.request import handle

    for number, line in enumerate(sys.stdin, start=1):
        try:
            request = json.loads(line)
            if not isinstance(request, dict):
                raise ValueError("a line must be a JSON object")
            out = handle(
                text=request.get("text"),
                locale=request.get("locale"),
                lang=request.get("lang"),
                dims_=request.get("dims"),
                tz=request.get("tz"),
                ref=request.get("reftime"),
                # latent entities are always returned in batch mode, flagged "latent": true
                latent=True,
                now=now,
            )
        except ValidationError as error:
            print(f"line {number}: {error.type}: {error.message}", file=sys.stderr)
            out = []
        except (ValueError, TypeError) as error:
            print(f"line {number}: {error}", file=sys.stderr)
            out = []
        sys.stdout.write(_dump(out) + "\n")
        sys.stdout.flush()


def _serve(host: str, port: int) -> None:
    import uvicorn

    from ringback.entities.http import create_app

    uvicorn.run(create_app(), host=host, port=port, log_level="info")


def register(app: typer.Typer) -> None:
    """Add ``ringback entities``."""

    @app.command("entities")
    def entities(
        text: Text = None,
        locale: Locale = "en_US",
        reftime: Ref = None,
        tz: Tz = None,
        dims: Dims = None,
        latent: Annotated[bool, typer.Option(help="Also return latent matches.")] = False,
        jsonl: Annotated[bool, typer.Option(help="Batch: JSON requests on stdin.")] = False,
        host: Annotated[str, typer.Option(help="serve: address to bind.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="serve: port.")] = 8000,
    ) -> None:
        """Extract times, numbers and durations (Duckling's JSON), or `serve` the HTTP API."""
        from ringback.entities.request import handle

        now = datetime.now(UTC)
        if jsonl:
            _jsonl(now)
            return
        if text == "serve":
            _serve(host, port)
            return
        if text is None:
            fail("TEXT", "a text to parse, 'serve', or --jsonl")
        print(
            _dump(
                handle(
                    text=text,
                    locale=locale,
                    dims_=dims,
                    tz=tz,
                    ref=reftime,
                    latent=latent,
                    now=now,
                )
            )
        )
