"""Drafts proposed by the organization's own model, held to what the store says.

The model gets the figures and numbered posts (`P1`, `P2` …) and is asked for short
sentences, each ending with the posts it rests on (`[P3]`). What comes back is checked
sentence by sentence, and a sentence is refused (kept aside with the reason, never shown
as part of the draft) when it
- cites no post, or a post it was not given;
- holds a number (Arabic digits, with `%`, `万` or `亿`) that is neither a rounding of
  one of the figures nor written in one of the posts it cites;
- names a day, month or year (`3月2日`, `2026年3月`, `2026-03-02`) that none of the
  grounds' days (the period's, the posts') falls in.
Numbers written in Chinese numerals are not checked: the prompt asks for digits, and a
person reads every draft.
A person edits and signs what is left; nothing here is published by itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from yuqing.analysis.llm.client import ChatClient
from yuqing.core.llm_settings import LLMSettings

MAX_POST_CHARS = 300  # each post as the model sees it: enough for its facts
CITE = re.compile(r"\[(P\d+)\]")
# A number as a draft writes it: 1,234 · 3.5 · 62% · 1.2万; digits glued to letters
# (model names, ids) are not figures.
NUMBER = re.compile(r"(?<![A-Za-z0-9_.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*(%|％|万|亿)?")
# A day, a month or a year as drafts write them: 2026年3月2日 · 3月2号 · 3月 · 2026年 ·
# 2026-03-02; each part that is written must match one of the grounds' days.
DAY = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(?:(\d{1,2})[日号])?|(\d{4})年|(\d{4})-(\d{2})-(\d{2})")
LEADING_CITES = re.compile(r"\s*(?:\[P\d+\]\s*)+")
SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|\n+")
SCALE = {"%": Decimal("0.01"), "％": Decimal("0.01"), "万": Decimal(10_000), "亿": Decimal(10**8)}

SYSTEM_PROMPT = (
    "你是机构舆情报告的起草助手。只使用给出的数据（figures）和帖子（posts）。"
    "写简短的中文句子；每句话末尾用方括号注明所依据的帖子编号，如 [P1][P3]。"
    "数字只能来自 figures 或所引帖子的原文，并用阿拉伯数字书写；不推测原因，不评价个人。"
)


@dataclass(frozen=True)
class Source:
    """A stored post the model may cite as `ref`."""

    ref: str
    post_id: str
    text: str


@dataclass(frozen=True)
class Grounds:
    figures: Mapping[str, int | float | str]
    sources: Sequence[Source]
    days: frozenset[date] = frozenset()  # the days a draft may name


@dataclass(frozen=True)
class Sentence:
    text: str  # without its citation marks
    cites: list[str]  # the post ids it rests on


@dataclass(frozen=True)
class Refused:
    text: str
    reason: str


@dataclass
class Draft:
    model: str
    sentences: list[Sentence] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.sentences)

    def as_json(self) -> dict[str, object]:
        return {
            "model": self.model,
            "text": self.text,
            "sentences": [{"text": s.text, "cites": s.cites} for s in self.sentences],
            "refused": [{"text": r.text, "reason": r.reason} for r in self.refused],
        }


def propose(client: ChatClient, *, task: str, grounds: Grounds, max_tokens: int = 800) -> Draft:
    """Ask the endpoint for `task` (e.g. "写本期舆情概述，3句以内") and check its answer."""
    material = {
        "task": task,
        "figures": dict(grounds.figures),
        "days": sorted(d.isoformat() for d in grounds.days),
        "posts": [{"ref": s.ref, "text": s.text[:MAX_POST_CHARS]} for s in grounds.sources],
    }
    messages = [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": json.dumps(material, ensure_ascii=False)},
    ]
    answer = client.complete(messages, max_tokens=max_tokens)
    return check(answer, grounds, model=f"endpoint:{client.settings.model}")


def propose_with(
    llm: LLMSettings, *, task: str, grounds: Grounds, client: ChatClient | None = None
) -> Draft:
    """`propose` through `client`, or through a client of its own for this one call."""
    chat = client or ChatClient(llm)
    try:
        return propose(chat, task=task, grounds=grounds)
    finally:
        if client is None:
            chat.close()


def check(answer: str, grounds: Grounds, *, model: str) -> Draft:
    """Split `answer` into sentences and keep those its grounds bear out."""
    by_ref = {s.ref: s for s in grounds.sources}
    figures = [v for v in (_decimal(f) for f in grounds.figures.values()) if v is not None]
    draft = Draft(model=model)
    for raw in _sentences(answer):
        refs = CITE.findall(raw)
        text = CITE.sub("", raw).strip()
        if not text:
            continue
        unknown = [r for r in refs if r not in by_ref]
        if not refs:
            draft.refused.append(Refused(text, "cites no post"))
        elif unknown:
            draft.refused.append(Refused(text, f"cites {', '.join(unknown)}, not given"))
        elif (day := _unknown_day(text, grounds.days)) is not None:
            draft.refused.append(Refused(text, f"the day {day} is not in the store"))
        elif (
            number := _ungrounded(DAY.sub(" ", text), figures, [by_ref[r].text for r in refs])
        ) is not None:
            draft.refused.append(Refused(text, f"the number {number} is not in the store"))
        else:
            cites = list(dict.fromkeys(by_ref[r].post_id for r in refs))
            draft.sentences.append(Sentence(text, cites))
    return draft


def _sentences(answer: str) -> list[str]:
    """The sentences of `answer`, each with the citations written after its full stop
    (`…腹泻。[P1]`) moved back onto it."""
    out: list[str] = []
    for piece in SENTENCE_END.split(answer):
        lead = LEADING_CITES.match(piece)
        if lead and out:
            out[-1] += lead.group(0).strip()
            piece = piece[lead.end() :]
        if piece.strip():
            out.append(piece.strip())
    return out


def _unknown_day(text: str, days: frozenset[date]) -> str | None:
    """The first day, month or year `text` names that none of `days` falls in."""
    for match in DAY.finditer(text):
        year, month, day, year_only, iso_year, iso_month, iso_day = match.groups()
        parts = (iso_year, iso_month, iso_day) if iso_year else (year or year_only, month, day)
        wanted = [None if p is None else int(p) for p in parts]
        if not any(
            all(w is None or w == v for w, v in zip(wanted, (k.year, k.month, k.day), strict=True))
            for k in days
        ):
            return match.group(0)
    return None


def _ungrounded(text: str, figures: list[Decimal], cited: list[str]) -> str | None:
    """The first number of `text` that no figure or cited post bears out."""
    written = {m.group(0).replace(" ", "") for post in cited for m in NUMBER.finditer(post)}
    for match in NUMBER.finditer(text):
        token = match.group(0).replace(" ", "")
        if token in written:
            continue
        whole, decimals, unit = match.groups()
        value = Decimal(whole.replace(",", "") + (decimals or ""))
        step = Decimal(1).scaleb(-(len(decimals) - 1 if decimals else 0))
        scale = SCALE.get(unit or "", Decimal(1))
        # "62%" stands for any figure that rounds to it: 0.615 … 0.625.
        half = step * scale / 2
        if not any(abs(value * scale - f) <= half for f in figures):
            return token
    return None


def _decimal(value: int | float | str) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None
