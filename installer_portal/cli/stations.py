"""`flask stations …`: the station registry, and reading the QR codes of photos installers send in."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from core.database import db
from core.errors import Refusal

from ..stations.finding import station_in_photo
from ..stations.registry import import_stations

stations = AppGroup("stations", help="The station registry.")


@stations.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_stations_command(path: Path) -> None:
    """Import stations from a CSV file (serial,mac,model,rated_power_kw,connectors,manufactured_on).

    Valid rows are imported; each bad row is reported; the exit status is 1 if any row was refused.
    """
    report = import_stations(path.read_text("utf-8", errors="replace"))
    if report.missing_columns:
        raise click.ClickException(f"{path}: the header lacks {', '.join(report.missing_columns)}; nothing imported.")
    db.session.commit()
    for problem in report.problems:
        click.echo(f"{path}:{problem.line}: {problem.reason}", err=True)
    click.echo(f"{report.imported} imported, {report.unchanged} already registered, {len(report.problems)} refused.")
    if report.problems:
        sys.exit(1)


@stations.command("decode-qr")
@click.argument("photos", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def decode_qr_command(photos: tuple[Path, ...]) -> None:
    """Which station each photo's QR code leads to: one line per photo; exit status 1 if any did not resolve."""
    failed = 0
    for path in photos:
        try:
            station = station_in_photo(path.read_bytes())
        except Refusal as error:
            failed += 1
            click.echo(f"{path}: {error.message}")
        except OSError as error:
            failed += 1
            click.echo(f"{path}: {error.strerror or error}")
        else:
            click.echo(f"{path}: {station.serial} {station.mac}")
    if failed:
        sys.exit(1)
