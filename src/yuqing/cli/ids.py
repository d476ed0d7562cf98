"""Row ids and version numbers on the command line.

The store keeps them as BIGINT: a number past 2⁶³−1 names no row, and handing it to the
store fails inside the driver (`OverflowError` on SQLite, an out-of-range error on
PostgreSQL). Such a number is a usage error that names the argument, like any other.
"""

from __future__ import annotations

from typing import Annotated

import typer

MAX_ID = 2**63 - 1

IdArg = Annotated[int, typer.Argument(min=1, max=MAX_ID, metavar="ID")]
"""A positional row id: 1 to 2⁶³−1."""
