"""The ``verigen`` command line: one typer app, with each command group in its own module.

Errors reach the user once, here: any ``VerigenError`` raised below becomes one line on stderr
naming the problem, and the process exits with the error's own code (2 for usage and config
errors, 1 for a run that failed). Nothing else in the package prints errors or calls ``sys.exit``.
"""

from __future__ import annotations

import importlib
import sys

import click
import typer
from rich.console import Console

from verigen import __version__
from verigen.errors import VerigenError

app = typer.Typer(
    name="verigen",
    help="Generate verified synthetic training data for code and math.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each module defines ``register(app)``; listed explicitly so the command set is reviewable here.
_COMMAND_MODULES = (
    "verigen.cli.run",
    "verigen.cli.model",
    "verigen.cli.math",
    "verigen.cli.sandbox",
    "verigen.cli.export",
    "verigen.cli.verify",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"verigen {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Generate verified synthetic training data for code and math."""


for _name in _COMMAND_MODULES:
    importlib.import_module(_name).register(app)


def main() -> None:
    """Console-script entry point: run the app and translate ``VerigenError`` into one line."""
    try:
        # without standalone mode click *returns* the code of a ``typer.Exit`` instead of exiting
        code = app(standalone_mode=False)
    except VerigenError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort:
        Console(stderr=True).print("aborted")
        sys.exit(130)
    except KeyboardInterrupt:
        Console(stderr=True).print("interrupted: everything verified so far is in the journal")
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
