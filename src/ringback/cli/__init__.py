"""The ``ringback`` command line.

Each command group lives in its own module with a ``register(app)`` function; this module only
assembles them and turns typed errors into one clear line (never a traceback).
"""

from __future__ import annotations

import sys

import typer

from ringback.domain.errors import RedialError, ValidationError

app = typer.Typer(
    name="ringback",
    help="Outbound call-campaign engine for voice bots (JAICP-compatible).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.command()
def version() -> None:
    """Print ringback's version."""
    from ringback import __version__

    print(__version__)


def _register_all() -> None:
    from ringback.cli import bot, entities, policy, serve, simulate, store

    for module in (policy, simulate, store, bot, entities, serve):
        module.register(app)


def main() -> None:
    _register_all()
    try:
        app()
    except ValidationError as error:
        print(f"error: {error.type}: {error.message}", file=sys.stderr)
        sys.exit(2)
    except RedialError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
