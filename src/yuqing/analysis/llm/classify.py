"""Sentiment labels from the organization's own model server, the shipped model behind it.

Posts go to the endpoint in batches (YUQING_LLM_BATCH a request), each text cut to
`MAX_CHARS`; the answer must be JSON with exactly one known label per post, or the whole
batch keeps the shipped model's labels. After a failure the endpoint is left alone for
`COOLDOWN_SECONDS`, so a server that is down costs one timeout a minute, not one a
batch. Labels are cached by text (a copy of a post is asked about once).

Every result records the model that gave it (`model`): `endpoint:NAME` or the shipped
model's name. An endpoint's label carries `ENDPOINT_CONFIDENCE`, not a calibrated
probability (docs/llm.md says so); its score is the shipped model's when both agree on
the label, else the label's own polarity.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from yuqing.analysis.llm.client import ChatClient, EndpointError
from yuqing.analysis.sentiment.model import LABELS, Domains, Label, Sentiment, SentimentModel
from yuqing.core.llm_settings import LLMSettings

log = logging.getLogger(__name__)

SHIPPED_MODEL = "yuqing-sentiment"
MAX_CHARS = 600  # a post's tone shows in its first few hundred characters
CACHE_SIZE = 20_000
COOLDOWN_SECONDS = 60.0
ENDPOINT_CONFIDENCE = 0.9
POLARITY: dict[Label, float] = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}

SYSTEM_PROMPT = (
    "You label the sentiment of posts written about an organization (Chinese or English "
    "social media, news comments, forum posts). For each post decide: negative, neutral "
    'or positive. Answer with JSON only, in this form: {"labels": ["negative", ...]}, '
    "one label per post, in the order given."
)


class EndpointClassifier:
    """`classify_many` like the shipped model's, asking the endpoint first."""

    def __init__(
        self,
        settings: LLMSettings,
        fallback: SentimentModel,
        *,
        client: ChatClient | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.fallback = fallback
        self.client = client or ChatClient(settings)
        self.model_name = f"endpoint:{settings.model}"
        self._monotonic = monotonic
        self._resting_until = 0.0
        self._cache: OrderedDict[str, Label] = OrderedDict()

    def classify_many(self, texts: Sequence[str], domain: Domains = None) -> list[Sentiment]:
        shipped = self.fallback.classify_many(texts, domain)
        results = [replace(s, model=SHIPPED_MODEL) for s in shipped]
        keys = [_key(t) for t in texts]
        asked: dict[str, int] = {}  # text key -> index of the text sent for it
        for i, key in enumerate(keys):
            if key not in self._cache and key not in asked:
                asked[key] = i
        todo = list(asked.values())
        for start in range(0, len(todo), self.settings.batch):
            if self._monotonic() < self._resting_until:
                break
            chunk = todo[start : start + self.settings.batch]
            try:
                labels = self._ask([texts[i] for i in chunk])
            except EndpointError as exc:
                log.warning("sentiment endpoint: %s; the shipped model labels meanwhile", exc)
                self._resting_until = self._monotonic() + COOLDOWN_SECONDS
                break
            for i, label in zip(chunk, labels, strict=True):
                self._remember(keys[i], label)
        for i, key in enumerate(keys):
            known = self._cache.get(key)
            if known is not None:
                results[i] = self._labelled(known, shipped[i])
        return results

    def _labelled(self, label: Label, shipped: Sentiment) -> Sentiment:
        score = shipped.score if shipped.label == label else POLARITY[label]
        return Sentiment(label, score, ENDPOINT_CONFIDENCE, model=self.model_name)

    def _remember(self, key: str, label: Label) -> None:
        self._cache[key] = label
        self._cache.move_to_end(key)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)

    def _ask(self, texts: list[str]) -> list[Label]:
        posts = [{"id": n, "text": t[:MAX_CHARS]} for n, t in enumerate(texts, 1)]
        messages = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": json.dumps(posts, ensure_ascii=False)},
        ]
        # About four tokens a label with its quotes and comma, plus the JSON around them.
        content = self.client.complete(messages, max_tokens=16 + 6 * len(texts))
        return parse_labels(content, len(texts))


def parse_labels(content: str, expected: int) -> list[Label]:
    """The labels of an answer `{"labels": [...]}`, tolerating a Markdown code fence."""
    start, end = content.find("{"), content.rfind("}")
    try:
        data: Any = json.loads(content[start : end + 1]) if start >= 0 else None
    except ValueError:
        data = None
    labels = data.get("labels") if isinstance(data, dict) else None
    if not isinstance(labels, list):
        raise EndpointError('the answer holds no JSON {"labels": [...]}')
    if len(labels) != expected:
        raise EndpointError(f"the answer holds {len(labels)} labels for {expected} posts")
    out: list[Label] = []
    for value in labels:
        label = str(value).strip().lower()
        if label not in LABELS:  # narrows `label` to Label below
            raise EndpointError(f"the answer holds an unknown label {str(value)[:40]!r}")
        out.append(label)
    return out


def _key(text: str) -> str:
    return hashlib.blake2b(text[:MAX_CHARS].encode("utf-8", "replace"), digest_size=16).hexdigest()


class Classifier:
    """What the pipeline and `yuqing classify` call: the shipped model, or the endpoint
    in front of it when YUQING_LLM_CLASSIFY is on. Picklable (it holds settings only),
    so worker processes build their own client on first use."""

    def __init__(self, llm: LLMSettings | None = None) -> None:
        self.llm = llm if llm is not None and llm.classify else None
        self._model: SentimentModel | EndpointClassifier | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"llm": self.llm, "_model": None}

    def classify_many(self, texts: Sequence[str], domain: Domains = None) -> list[Sentiment]:
        if self._model is None:
            from yuqing.analysis.sentiment.model import get_model

            shipped = get_model()
            self._model = shipped if self.llm is None else EndpointClassifier(self.llm, shipped)
        return self._model.classify_many(texts, domain)
