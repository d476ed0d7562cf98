"""Watches: named rules, their YAML file (CONTRACTS `yuqing watch import`) and the matcher.

    watches:
      - name: 食堂安全
        rule: '学校 (食堂 | 饭菜) -广告'
        sources: [weibo]            # optional: only posts from these sources
      - name: 医院纠纷
        subject: [市一院, 第一人民医院]
        event: [纠纷, 冲突]
        exclude: [招聘]
        department: health          # optional: events of its posts are routed there

`WatchMatcher` serves thousands of watches: one Aho-Corasick automaton over each watch's
rarest required clause finds which watches a post can match, and only those are tested
(rules that can match without any term, such as `-广告`, always are).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yuqing.core.errors import InvalidInput, RuleSyntaxError
from yuqing.core.i18n import _
from yuqing.core.textfold import fold
from yuqing.core.yamlguard import load_yaml
from yuqing.monitor.rules import GROUPS, Rule, compile_rule, group_rule
from yuqing.monitor.rules.direct import compile_text_test
from yuqing.monitor.rules.evaluate import TermTable
from yuqing.monitor.rules.nodes import And, Node, Not, Or, Term
from yuqing.monitor.rules.triggers import Triggers, watch_counts

_FIELDS = frozenset({"name", "rule", "sources", "organization", "department", *GROUPS})
MAX_DEPARTMENT = 100  # the length of a department's name in the store
# A watch file is written by hand; past this it is something else.
MAX_FILE_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Watch:
    """A named rule. `expr` is the rule as written (for groups, the rule they make);
    `groups` holds the group lists when the watch was written as groups."""

    name: str
    rule: Rule
    sources: frozenset[str] | None = None
    expr: str = ""
    groups: dict[str, list[str]] | None = None
    # Whose watch this is: events never mix posts of different organizations' watches.
    organization: str = ""
    # The department (涉事部门) its events are routed to; "" routes them to nobody.
    department: str = ""


def who_and_where(watch: Watch) -> list[str]:
    """The folded terms that say who and where the watch's posts are about: its `subject`
    and `region` groups, or for a watch written as one rule, what every post it keeps
    names (`named_by_every_post`)."""
    if watch.groups is None:
        return named_by_every_post(watch.rule.node)
    groups = watch.groups
    return [fold(t).strip() for g in ("subject", "region") for t in groups.get(g, []) if t.strip()]


def named_by_every_post(node: Node) -> list[str]:
    """The terms of a one-rule watch that name what it is about, read from its form.

    Only two forms say it without doubt. A rule of alternatives only (`明德一中 |
    明德县第一中学`, exclusions aside) keeps exactly the posts naming one of them: they
    are the watch's names, as a `subject` group's would be. A term the rule requires on
    its own (`一中` in `一中 (运动会 | 田径)`) stands in every post it keeps. Alternatives
    beside other conditions (`(明德县 | 明德一中) (食堂 | 饭菜)`) are left: which list
    names the organization and which the topic, only the writer knows (the group form
    says it)."""
    items = [i for i in node.items if not isinstance(i, Not)] if isinstance(node, And) else [node]
    if len(items) == 1 and isinstance(items[0], Or | Term):
        alternatives = items[0].items if isinstance(items[0], Or) else (items[0],)
        names = [i.text for i in alternatives if isinstance(i, Term)]
        return names if len(names) == len(alternatives) else []
    return [i.text for i in items if isinstance(i, Term)]


def watch_spec(
    *,
    name: str,
    rule: str | None,
    groups: Mapping[str, list[str]] | None,
    sources: Iterable[str] | None,
    organization: str = "",
    department: str = "",
) -> dict[str, Any]:
    """The watch-file item for a watch (what `parse_watch` reads back)."""
    spec: dict[str, Any] = {"name": name}
    if organization:
        spec["organization"] = organization
    if department:
        spec["department"] = department
    if groups is not None:
        spec.update(groups)
    else:
        spec["rule"] = rule
    if sources is not None:
        spec["sources"] = sorted(sources)
    return spec


def parse_watch(spec: Mapping[str, Any], *, where: str) -> Watch:
    """One item of a watch file; InvalidInput naming `where` on problems."""
    return _parse_item(spec, lambda key: where)


def load_watch_file(path: Path) -> list[Watch]:
    """The watches of a YAML watch file; errors name FILE:LINE."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InvalidInput(
                _("larger than {limit} bytes").format(limit=MAX_FILE_BYTES), where=str(path)
            )
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(
            _("cannot read {path}: {error}").format(path=path, error=exc.strerror)
        ) from None
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            _("invalid UTF-8 at byte {n}").format(n=exc.start + 1), where=str(path)
        ) from None
    return load_watch_text(text, filename=str(path))


def load_watch_text(text: str, *, filename: str) -> list[Watch]:
    """The watches of a YAML watch file's text; errors name FILENAME:LINE."""
    doc = load_yaml(text, filename)
    if not isinstance(doc, Mapping) or "watches" not in doc:
        raise InvalidInput(_("expected a mapping with a list 'watches:'"), where=f"{filename}:1")
    for key in doc:
        if key != "watches":
            line = _key_line(doc, key)
            raise InvalidInput(
                _("unknown key {key!r} (expected 'watches')").format(key=key),
                where=f"{filename}:{line}",
            )
    items = doc["watches"]
    if items is None:
        return []
    if not isinstance(items, list):
        where = f"{filename}:{_key_line(doc, 'watches')}"
        raise InvalidInput(_("'watches' must be a list of watches"), where=where)
    watches: list[Watch] = []
    first_seen: dict[str, int] = {}
    for index, spec in enumerate(items):
        line = _item_line(items, index)
        watch = _parse_item(spec, _where_in(spec, filename, line))
        if watch.name in first_seen:
            raise InvalidInput(
                _("duplicate watch name {name!r} (first at line {line})").format(
                    name=watch.name, line=first_seen[watch.name]
                ),
                where=f"{filename}:{line}",
            )
        first_seen[watch.name] = line
        watches.append(watch)
    return watches


def _key_line(node: Any, key: Any) -> int:
    try:
        return int(node.lc.key(key)[0]) + 1
    except (AttributeError, KeyError, TypeError):
        return 1


def _item_line(items: Any, index: int) -> int:
    try:
        return int(items.lc.item(index)[0]) + 1
    except (AttributeError, KeyError, TypeError):
        return 1


def _where_in(spec: Any, filename: str, line: int) -> Callable[[str | None], str]:
    def where(key: str | None) -> str:
        if key is not None and isinstance(spec, Mapping) and key in spec:
            return f"{filename}:{_key_line(spec, key)}"
        return f"{filename}:{line}"

    return where


def _parse_item(spec: Any, where: Callable[[str | None], str]) -> Watch:
    if not isinstance(spec, Mapping):
        raise InvalidInput(
            _("each watch must be a mapping with 'name' and 'rule'"), where=where(None)
        )
    for key in spec:
        if key not in _FIELDS:
            known = ", ".join(sorted(_FIELDS))
            raise InvalidInput(
                _("unknown field {key!r} (known: {known})").format(key=key, known=known),
                where=where(str(key)),
            )
    name = spec.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput(_("'name' must be a non-empty string"), where=where("name"))
    name = name.strip()
    groups_listed = ", ".join(GROUPS)
    has_groups = [g for g in GROUPS if g in spec]
    if "rule" in spec and has_groups:
        raise InvalidInput(
            _("watch {name!r}: give either 'rule' or the groups {groups}, not both").format(
                name=name, groups=groups_listed
            ),
            where=where("rule"),
        )
    sources = _sources(spec, name, where)
    organization = spec.get("organization") or ""
    if not isinstance(organization, str):
        raise InvalidInput(
            _("watch {name!r}: 'organization' must be a string").format(name=name),
            where=where("organization"),
        )
    organization = organization.strip()
    department = _department(spec, name, where)
    if "rule" in spec:
        expr = spec["rule"]
        if not isinstance(expr, str):
            raise InvalidInput(
                _("watch {name!r}: 'rule' must be a string").format(name=name), where=where("rule")
            )
        try:
            rule = compile_rule(expr)
        except RuleSyntaxError as exc:
            # TRANSLATORS: {error} is a rule syntax error, `column N: what was expected`.
            message = _("watch {name!r}: rule {error}").format(name=name, error=exc)
            raise InvalidInput(message, where=where("rule")) from None
        return Watch(name, rule, sources, expr=expr, groups=None, organization=organization,
                     department=department)  # fmt: skip
    if not has_groups:
        raise InvalidInput(
            _("watch {name!r}: missing 'rule' (or the groups {groups})").format(
                name=name, groups=groups_listed
            ),
            where=where(None),
        )
    groups = {g: _terms(spec, g, name, where) for g in has_groups}
    if not any(groups.values()):
        raise InvalidInput(
            _("watch {name!r}: the groups have no terms").format(name=name),
            where=where(has_groups[0]),
        )
    try:
        rule = group_rule(**groups)
    except InvalidInput as exc:
        message = _("watch {name!r}: {error}").format(name=name, error=exc)
        raise InvalidInput(message, where=where(None)) from None
    return Watch(name, rule, sources, expr=rule.source, groups=groups,
                 organization=organization, department=department)  # fmt: skip


def _department(spec: Mapping[str, Any], name: str, where: Any) -> str:
    value = spec.get("department") or ""
    if not isinstance(value, str) or len(value.strip()) > MAX_DEPARTMENT:
        raise InvalidInput(
            _("watch {name!r}: 'department' must be a name of at most {n} characters").format(
                name=name, n=MAX_DEPARTMENT
            ),
            where=where("department"),
        )
    return value.strip()


def _terms(spec: Mapping[str, Any], group: str, name: str, where: Any) -> list[str]:
    value = spec[group]
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(
            _("watch {name!r}: '{group}' must be a list of terms").format(name=name, group=group),
            where=where(group),
        )
    if any(not v.strip() for v in value):
        raise InvalidInput(
            _("watch {name!r}: '{group}' has an empty term").format(name=name, group=group),
            where=where(group),
        )
    return [v.strip() for v in value]


def _sources(spec: Mapping[str, Any], name: str, where: Any) -> frozenset[str] | None:
    value = spec.get("sources")
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InvalidInput(
            _("watch {name!r}: 'sources' must be a list of source names").format(name=name),
            where=where("sources"),
        )
    if not value:
        # An empty list would silently match nothing; leaving it out means every source.
        raise InvalidInput(
            _("watch {name!r}: 'sources' is empty; leave it out to watch every source").format(
                name=name
            ),
            where=where("sources"),
        )
    return frozenset(value)


class WatchMatcher:
    """Matches folded posts against many watches: one scan for triggers, then a few tests.

    The scan looks only for each watch's trigger (its rarest required clause, see
    `rules.triggers`); each watch it wakes is tested straight on the text (`rules.direct`).
    """

    def __init__(self, watches: Iterable[Watch]) -> None:
        self._watches = list(watches)
        nodes = [w.rule.node for w in self._watches]
        table = TermTable()
        # How many watches use a term stands in for how common it is: event words
        # (事故, 投诉) recur across watches, names and places do not; longer terms are
        # rarer. Waking watches by their rarest clause keeps the watches tested per post few.
        used = watch_counts(nodes, table)

        def cost(tid: int) -> float:
            return used[tid] + table.default_cost(tid)

        self._triggers = Triggers(nodes, table, cost)
        self._tests = [compile_text_test(node) for node in nodes]
        self._names = [w.name for w in self._watches]
        self._sources = [w.sources for w in self._watches]

    def __len__(self) -> int:
        return len(self._watches)

    def candidates(self, folded: str) -> int:
        """How many watches a post wakes (for benchmarks and tuning)."""
        return len(self._triggers.woken(folded))

    def match(self, folded: str, *, source: str = "") -> list[str]:
        """Names of the watches the folded post matches, in the order the watches were given."""
        woken = self._triggers.woken(folded)
        if not woken:
            return []
        tests, sources, names = self._tests, self._sources, self._names
        out: list[str] = []
        for index in sorted(woken):
            allowed = sources[index]
            if (allowed is None or source in allowed) and tests[index](folded):
                out.append(names[index])
        return out
