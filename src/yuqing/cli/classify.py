"""`yuqing classify` (CONTRACTS): adds "sentiment": {"label": ..., "score": s, "confidence": c}
to each post."""

from __future__ import annotations

from pathlib import Path

import typer

from yuqing.cli.streams import InputOpt, OutputOpt


def classify(input_path: Path | None = InputOpt, output_path: Path | None = OutputOpt) -> None:
    """Label each post negative, neutral or positive, with a polarity score in [-1, 1]."""
    # Imported here so `yuqing --help` does not load numpy and the model.
    from yuqing.analysis.llm.classify import Classifier
    from yuqing.analysis.sentiment.model import domain_of_platform
    from yuqing.cli.jsonlines import run_stream
    from yuqing.core.settings import load_settings
    from yuqing.monitor.posts import Post

    model = Classifier(load_settings().llm)  # the endpoint in front when one is configured

    def annotate(posts: list[Post]) -> None:
        # Title and text together: a headline often carries the tone of a short post.
        texts = [f"{p.title}\n{p.text}" if p.title else p.text for p in posts]
        domains = [domain_of_platform(p.platform) for p in posts]
        for post, result in zip(posts, model.classify_many(texts, domains), strict=True):
            post.annotations["sentiment"] = result.as_dict()

    run_stream(annotate, input_path=input_path, output_path=output_path)


def register(app: typer.Typer) -> None:
    """Add the `classify` command to the `yuqing` app."""
    app.command("classify")(classify)
