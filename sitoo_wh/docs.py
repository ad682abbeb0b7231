"""`sitoo-wh docs`: the dbt documentation of the warehouse as one file, `<data dir>/docs/index.html`.

`dbt docs generate --static` writes a self-contained page (manifest and catalog inlined), so
the docs need no web server of their own: the dashboards embed it and anyone can open or mail
the file. The catalog (column types, row counts) comes from the warehouse, so dbt must open
`warehouse.duckdb`; like a build, that fails while an extract or a build holds the file, and
then says so. dbt writes into its own target directory (`dbt/docs-target`), not the build's, so
the last build's artifacts stay as the build left them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from sitoo_wh import build
from sitoo_wh.config import load_settings
from sitoo_wh.publish import WarehouseLockedError

DOCS_DIR: Final = "docs"
TARGET_DIR: Final = "docs-target"
# dbt's file -> the published name; index.html last, so it is never newer than its JSON.
FILES: Final = (
    ("manifest.json", "manifest.json"),
    ("catalog.json", "catalog.json"),
    ("static_index.html", "index.html"),
)


class DocsError(Exception):
    """dbt could not generate the docs; the previous docs are left as they were."""


@dataclass(frozen=True)
class DocsResult:
    path: Path
    """The published `index.html`."""
    models: int
    seconds: float


def docs_dir(data_dir: Path) -> Path:
    return data_dir / DOCS_DIR


def dbt_docs_args(project: Path, data_dir: Path) -> list[str]:
    """`dbt docs generate --static` with the build's project, profile and log directory."""
    dbt_dir = data_dir / "dbt"
    return [
        "docs",
        "generate",
        "--static",
        "--no-send-anonymous-usage-stats",
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project),
        "--target-path",
        str(dbt_dir / TARGET_DIR),
        "--log-path",
        str(dbt_dir / "logs"),
    ]


def _replace(source: Path, destination: Path) -> None:
    """Copy under a temporary name in the destination's directory, then rename: a reader
    (the dashboard) sees the old file or the new one, never half of one."""
    temp = destination.with_name(f".{destination.name}.tmp-{os.getpid()}")
    try:
        temp.write_bytes(source.read_bytes())
        temp.replace(destination)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def _mart_count(manifest: Path) -> int:
    nodes = json.loads(manifest.read_text(encoding="utf-8")).get("nodes", {})
    return sum(
        1
        for node in nodes.values()
        if node.get("resource_type") == "model" and "marts" in node.get("fqn", ())
    )


def generate(data_dir: Path, *, quiet: bool = False) -> DocsResult:
    """Generate the docs on `<data_dir>/warehouse.duckdb` and publish them to `<data_dir>/docs`.

    Raises WarehouseLockedError while another writer holds the warehouse, DocsError when dbt
    fails; in both cases the docs already published stay."""
    data_dir = data_dir.resolve()
    project = build.project_dir()
    build.check_writable(data_dir / "warehouse.duckdb")
    target = data_dir / "dbt" / TARGET_DIR
    args = (["--quiet"] if quiet else []) + dbt_docs_args(project, data_dir)
    started = time.perf_counter()
    with build.dbt_session(data_dir) as invoke:
        outcome = invoke(args)
    seconds = time.perf_counter() - started
    error = str(outcome.exception).strip() if outcome.exception is not None else ""
    if error and build.is_lock_text(error):
        raise WarehouseLockedError(
            f"{data_dir / 'warehouse.duckdb'} is in use by another writer (an extract or a "
            f"build still running?); try again when it has finished ({error})"
        )
    if not outcome.success:
        raise DocsError(f"dbt docs generate failed: {error or 'see the dbt log in the data dir'}")
    missing = [name for name, _ in FILES if not (target / name).is_file()]
    if missing:
        raise DocsError(f"dbt docs generate wrote no {', '.join(missing)} in {target}")
    published = docs_dir(data_dir)
    published.mkdir(parents=True, exist_ok=True)
    for name, public_name in FILES:
        _replace(target / name, published / public_name)
    return DocsResult(published / "index.html", _mart_count(target / "manifest.json"), seconds)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quiet", action="store_true", help="only errors from dbt")


def run(args: argparse.Namespace) -> int:
    """The exit code for `sitoo-wh docs`: 0 when the docs were published."""
    settings = load_settings(require_credentials=False)
    try:
        result = generate(settings.data_dir, quiet=getattr(args, "quiet", False))
    except (build.BuildError, DocsError, WarehouseLockedError) as err:
        sys.stderr.write(f"sitoo-wh: docs failed: {err}\n")
        return 1
    sys.stdout.write(
        f"docs of {result.models} marts written to {result.path} in {result.seconds:.1f} s\n"
    )
    return 0
