"""``verigen model``: list, fetch and serve the pinned local models.

The cache directory is resolved here, once: ``--cache-dir``, else ``$VERIGEN_CACHE_DIR``, else the
XDG default; the core only ever receives a plain path.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from verigen.local import (
    MODELS,
    cached_model,
    default_cache_dir,
    fetch_model,
    get_spec,
    local_server,
)

_CACHE_DIR = typer.Option(
    None,
    "--cache-dir",
    envvar="VERIGEN_CACHE_DIR",
    help="Where verified models are kept (default: $XDG_CACHE_HOME/verigen/models).",
    file_okay=False,
)


def register(app: typer.Typer) -> None:
    """Add the ``model`` command group to ``app``."""
    group = typer.Typer(help="Fetch, serve and list local models.", no_args_is_help=True)
    group.command("list")(list_models)
    group.command("fetch")(fetch)
    group.command("serve")(serve)
    app.add_typer(group, name="model")


def list_models(cache_dir: Path | None = _CACHE_DIR) -> None:
    """List the models verigen can fetch, and which are cached."""
    directory = cache_dir or default_cache_dir()
    table = Table("name", "size", "cached", "description", caption=f"cache: {directory}")
    for spec in MODELS.values():
        cached = "yes" if cached_model(spec, directory) else "-"
        table.add_row(spec.name, f"{spec.size / 1e9:.2f} GB", cached, spec.description)
    Console().print(table)


def fetch(
    name: str = typer.Argument(..., help="A model name from `verigen model list`."),
    cache_dir: Path | None = _CACHE_DIR,
) -> None:
    """Download, assemble and verify a model (reused when already cached and valid)."""
    console = Console()
    path = fetch_model(get_spec(name), cache_dir or default_cache_dir(), console=console)
    console.print(f"verified: {path}", highlight=False, soft_wrap=True)


def serve(
    name: str = typer.Argument(..., help="A model name from `verigen model list`."),
    port: int | None = typer.Option(
        None, "--port", help="Port on 127.0.0.1 (default: a free one)."
    ),
    cache_dir: Path | None = _CACHE_DIR,
) -> None:
    """Serve a model over an OpenAI-compatible API until Ctrl-C (fetching it first if needed).

    SIGTERM stops it the same way (``verigen.cli.main`` turns it into Ctrl-C), so the server's
    process group is stopped on the way out instead of being left running.
    """
    console = Console()
    try:
        with local_server(name, cache_dir=cache_dir, port=port, console=console) as server:
            console.print(
                f"serving {server.name}\n"
                f"  api_base: {server.api_base}\n"
                f"  model:    {server.model}\n"
                f"  log:      {server.log_path}\n"
                "press Ctrl-C to stop",
                highlight=False,
                soft_wrap=True,
            )
            server.wait()
    except KeyboardInterrupt:
        console.print("server stopped")
