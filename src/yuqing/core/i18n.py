"""Translations of the text people see: Babel catalogs shipped inside the package.

msgids are English; the `zh_CN` catalog holds the Chinese, which is the default (STYLE:
Simplified Chinese first, English second). `YUQING_LANG` picks the language of a process
(`zh_CN`, `zh`, `en`, `en_US.UTF-8` …); an unknown value falls back to the default.
Code that speaks to one reader in their own language (a web request, an alert's
recipient) sets it for a block:

>>> from yuqing.core.i18n import _, use_locale
>>> with use_locale("en"):
...     _("Acknowledge")
'Acknowledge'

Babel is imported on the first lookup, not at import, so `yuqing --help` stays fast; each
language's catalog is read once. The workflow (extract, update, compile) is in
docs/i18n.md.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from babel.support import NullTranslations

DOMAIN = "messages"
DEFAULT_LOCALE = "zh_CN"
LOCALES = ("zh_CN", "en")
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
ENV_VAR = "YUQING_LANG"
# One catalog per language: "zh" -> "zh_CN", "en" -> "en".
_BY_LANGUAGE = {locale.split("_", 1)[0]: locale for locale in LOCALES}

# None: the process language (YUQING_LANG). Context variables follow requests and tasks.
_current: ContextVar[str | None] = ContextVar("yuqing_locale", default=None)


def normalize_locale(value: str | None) -> str:
    """One of LOCALES for a tag such as `zh`, `zh-CN`, `zh_Hans`, `EN`, `en_US.UTF-8`.

    Every Chinese tag gets the Simplified catalog (the only Chinese one); anything else
    unknown, or nothing, gets the default.
    """
    tag = (value or "").strip().split(".", 1)[0].split("@", 1)[0].replace("-", "_").lower()
    return _BY_LANGUAGE.get(tag.split("_", 1)[0], DEFAULT_LOCALE)


def env_locale(environ: Mapping[str, str] | None = None) -> str:
    """The process language: `YUQING_LANG`, else the default (zh_CN)."""
    env = os.environ if environ is None else environ
    return normalize_locale(env.get(ENV_VAR))


def current_locale() -> str:
    """The language in force here: the one `use_locale` set, else the process language."""
    return _current.get() or env_locale()


@contextmanager
def use_locale(locale: str | None) -> Iterator[str]:
    """Speak `locale` inside the block (None: the process language); yields the one used."""
    chosen = normalize_locale(locale) if locale else env_locale()
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


@cache
def _load(locale: str) -> NullTranslations:
    from babel.support import Translations

    return Translations.load(str(LOCALE_DIR), [locale], DOMAIN)


def translations(locale: str | None = None) -> NullTranslations:
    """The catalog of `locale` (default: the language in force), read once per language."""
    return _load(normalize_locale(locale) if locale else current_locale())


def gettext(message: str) -> str:
    """`message` (an English msgid) in the language in force."""
    return translations().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`, in the language in force."""
    return translations().ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """`message` in a context that tells the translator which sense is meant."""
    return translations().upgettext(context, message)


_ = gettext


def N_(message: str) -> str:
    """Mark `message` for extraction only; translate it with `_()` where it is shown."""
    return message
