"""Jinja2's i18n extension over our catalogs, for the HTML pages.

Templates write `{% trans %}…{% endtrans %}` and `{{ _("…") }}` (new-style gettext: the
variables are escaped, the catalog's text is trusted) and `lang="{{ html_lang() }}"`.
Text comes in the language in force (`core/i18n.py`): the process language now, a
request's own once a view sets it with `use_locale`.
"""

from __future__ import annotations

from jinja2 import Environment

from yuqing.core import i18n

EXTENSION = "jinja2.ext.InternationalizationExtension"


def html_lang() -> str:
    """The language in force as an HTML `lang` value (BCP 47): `zh-CN`, `en`."""
    return i18n.current_locale().replace("_", "-")


def install_i18n(env: Environment) -> None:
    """Give `env` the i18n extension and our gettext functions (once)."""
    if EXTENSION in env.extensions:
        return
    env.add_extension("jinja2.ext.i18n")
    # babel.cfg extracts with the same policy: whitespace in {% trans %} blocks is folded.
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the extension
        gettext=i18n.gettext, ngettext=i18n.ngettext, pgettext=i18n.pgettext, newstyle=True
    )
    env.globals["html_lang"] = html_lang
