"""The ``verigen`` command line: one typer app, with each command group in its own module.

Errors reach the user once, here: any ``VerigenError`` raised below becomes one line on stderr
naming the problem, and the process exits with the error's own code (2 for usage and config
errors, 1 for a run that failed). Nothing else in the package prints errors or calls ``sys.exit``.
Anything else that escapes a command is a bug: still one line, with the traceback kept in a file
named by that line, because a traceback on a user's terminal explains nothing to them.

Two process-wide settings are made here and only here, for every command at once:

- SIGTERM (what ``timeout``, systemd, Kubernetes and Slurm send) takes Ctrl-C's path: the
  handler hands it to whatever handles SIGINT at that moment (``asyncio.run`` cancels its main
  task, so ``finally`` blocks drain pools and stop servers; elsewhere ``KeyboardInterrupt``), and
  the exit code is 143 instead of 130, so a supervisor can tell the two apart.
- ``datasets``' own progress bars are off: they would be drawn between a command's live panel
  and its summary, and they describe ``datasets``' internals, not verigen's progress.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable
from types import FrameType
from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from verigen import __version__
from verigen.errors import Interrupted, VerigenError

INTERRUPTED = 130
"""Exit code after Ctrl-C (128 + SIGINT)."""
TERMINATED = 143
"""Exit code after SIGTERM (128 + SIGTERM)."""

# Each command's module, listed explicitly so the command set is reviewable here. A module
# defines ``register(app)``; only the invoked command's module is imported (``verigen verify``
# need not load the generation pipeline, a second of start-up on a small machine).
_COMMANDS = {
    "generate": "verigen.cli.run",
    "stats": "verigen.cli.run",
    "doctor": "verigen.cli.run",
    "model": "verigen.cli.model",
    "check-math": "verigen.cli.math",
    "sandbox": "verigen.cli.sandbox",
    "export": "verigen.cli.export",
    "push": "verigen.cli.export",
    "curate-report": "verigen.cli.export",
    "verify": "verigen.cli.verify",
}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"verigen {__version__}")
        raise typer.Exit()


def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Generate verified synthetic training data for code and math."""


def build_app(argv: list[str] | None = None) -> typer.Typer:
    """The command line app, with the command ``argv`` names (its first word that is not an
    option) or, when it names none it knows (``--help``, a typo), with every command."""
    app = typer.Typer(
        name="verigen",
        help="Generate verified synthetic training data for code and math.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    app.callback()(_root)
    command = next((a for a in argv or [] if not a.startswith("-")), None)
    wanted = _COMMANDS.get(command or "")
    for module in [wanted] if wanted else dict.fromkeys(_COMMANDS.values()):
        importlib.import_module(module).register(app)
    return app


def __getattr__(name: str) -> typer.Typer:
    """``verigen.cli.app``: the whole app, for ``typer.testing.CliRunner`` and docs tools."""
    if name == "app":
        return build_app()
    raise AttributeError(f"module 'verigen.cli' has no attribute {name!r}")


def main() -> None:
    """Console-script entry point: run the app; every way it can end is one line and a code."""
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    signal.signal(signal.SIGTERM, _sigterm_handler(os.getpid()))
    try:
        # without standalone mode click *returns* the code of a ``typer.Exit`` instead of exiting
        code = build_app(sys.argv[1:])(standalone_mode=False)
    except Interrupted as exc:
        _fail(str(exc), _interrupted_code())
    except VerigenError as exc:
        _fail(str(exc), exc.exit_code)
    except typer.TyperException as exc:  # usage errors: typer's own click, shown click's way
        show = getattr(exc, "show", None)
        if not callable(show):
            _fail(str(exc), exc.exit_code)
        show()
        sys.exit(exc.exit_code)
    except typer.Abort:  # end of input at a prompt
        _fail("aborted", 1)
    except KeyboardInterrupt:
        _fail("interrupted", _interrupted_code())
    except Exception as exc:
        _fail(_internal_error(exc), 1)
    if code == INTERRUPTED:  # typer turns a KeyboardInterrupt no command caught into Exit(130)
        _fail("interrupted", _interrupted_code())
    sys.exit(code if isinstance(code, int) else 0)


_terminated = threading.Event()
"""Set once this process received SIGTERM: the interruption then exits 143, not 130."""


def _sigterm_handler(owner: int) -> Callable[[int, FrameType | None], None]:
    """The SIGTERM handler of process ``owner``: Ctrl-C's path, remembered as SIGTERM.

    A child forked from this process (without exec) inherits the handler; there it restores the
    default and terminates as it would have, so a pool that stops its workers with SIGTERM keeps
    working.
    """

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        if os.getpid() != owner:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        _terminated.set()
        interrupt = signal.getsignal(signal.SIGINT)
        if not callable(interrupt):  # SIGINT ignored or at its default: nothing to delegate to
            raise KeyboardInterrupt
        interrupt(signal.SIGINT, frame)

    return on_sigterm


def _interrupted_code() -> int:
    return TERMINATED if _terminated.is_set() else INTERRUPTED


def _fail(message: str, code: int) -> NoReturn:
    """Print ``message`` as the one line on stderr (whitespace folded: provider and Hub errors
    carry newlines) and exit with ``code``."""
    line = " ".join(message.split())
    Console(stderr=True).print(
        f"[bold red]error:[/] {escape(line)}", highlight=False, soft_wrap=True
    )
    sys.exit(code)


def _internal_error(exc: Exception) -> str:
    """A bug in verigen: the line names it and where its traceback was written."""
    with tempfile.NamedTemporaryFile(
        "w", prefix="verigen-traceback-", suffix=".txt", delete=False
    ) as out:
        traceback.print_exception(exc, file=out)
    return (
        f"internal error: {type(exc).__name__}: {exc} (traceback in {out.name}; please report it)"
    )
