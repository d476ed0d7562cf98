"""User corrections of sentiment labels, kept for the next model build.

A correction is one JSON line `{"text": ..., "label": ..., "post_id": ..., "by": ...,
"at": ...}` appended to `sentiment_corrections.jsonl` under YUQING_HOME. The training
script reads the same file with `--corrections FILE` (only `text` and `label` matter
there); a user's label overrides a corpus label for the same text.

JSON Lines rather than a table: the file is the hand-off between a running install and
a build machine, it can be reviewed and edited before a rebuild, and appending one line
never rewrites earlier ones.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from yuqing.analysis.sentiment.model import LABELS, Label
from yuqing.core.errors import InvalidInput

FILE_NAME = "sentiment_corrections.jsonl"


def default_path(home: Path) -> Path:
    """Where an install keeps its corrections: `YUQING_HOME/sentiment_corrections.jsonl`."""
    return home / FILE_NAME


def record_correction(
    *,
    path: Path,
    text: str,
    label: Label,
    at: datetime,
    post_id: str | None = None,
    by: str | None = None,
) -> None:
    """Append one correction; `at` comes from the caller's Clock."""
    if label not in LABELS:
        raise InvalidInput(f"label must be one of {', '.join(LABELS)}, not {label!r}")
    if not text.strip():
        raise InvalidInput("a correction needs the text it corrects")
    line = json.dumps(
        {"text": text, "label": label, "post_id": post_id, "by": by, "at": at.isoformat()},
        ensure_ascii=False,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    # One write of a whole line in append mode: concurrent writers never interleave
    # inside a line on POSIX for lines of this size, and a crash loses at most this one.
    with path.open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")
        fh.flush()
        os.fsync(fh.fileno())
