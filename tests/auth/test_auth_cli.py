"""`yuqing user`, `yuqing token` and `yuqing audit` against both stores."""

from __future__ import annotations

import json

from sqlalchemy import text

from tests.conftest import Cli, Store


def test_users_are_added_listed_changed_and_disabled(cli: Cli) -> None:
    added = cli("user", "add", "li", "--role", "monitor", "--password-stdin", input="secret-pass\n")
    assert (added.code, added.stdout.strip()) == (0, "已添加用户 li（monitor）")
    made = cli("user", "add", "wang", "--role", "department", "--dept", "edu", "--lang", "en")
    assert made.code == 0 and "密码（只显示这一次）：" in made.stdout
    listed = [json.loads(line) for line in cli("user", "list", "--json").stdout.splitlines()]
    assert [(u["name"], u["role"], u["department"], u["language"]) for u in listed] == [
        ("li", "monitor", None, "zh_CN"),
        ("wang", "department", "edu", "en"),
    ]
    assert cli("user", "set", "li", "--role", "office", "--display-name", "李四").code == 0
    assert cli("user", "disable", "li").code == 0
    plain = cli("user", "list").stdout.splitlines()
    assert plain[0].split("\t") == ["li", "office", "-", "zh_CN", "已停用", "李四"]
    assert cli("user", "set", "li", "--enable").code == 0
    assert cli("user", "list").stdout.splitlines()[0].split("\t")[4] == "启用"


def test_bad_input_is_one_line(cli: Cli) -> None:
    for args, expected, stdin in [
        (("user", "add", "li", "--role", "boss"), "未知角色 'boss'", None),
        (("user", "add", "li", "--role", "department"), "--dept", None),
        (
            ("user", "add", "li", "--role", "monitor", "--password-stdin"),
            "密码至少需要 8 个字符",
            "short\n",
        ),
        (("user", "add", "li", "--role", "monitor", "--password-stdin"), "stdin", ""),
        (("user", "add", "李 四", "--role", "monitor"), "'李 四'", None),
        (("user", "disable", "nobody"), "没有名为 'nobody' 的用户", None),
        (("token", "create", "--user", "nobody"), "'nobody'", None),
        (("token", "revoke", "42"), "没有编号为 42 的 API 令牌", None),
    ]:
        result = cli(*args, input=stdin)
        assert result.code != 0, args
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0] and "Traceback" not in result.stderr, (
            args,
            result.stderr,
        )
    assert cli("user", "list").stdout == ""  # nothing half-written


def test_tokens_are_printed_once_and_revoked(cli: Cli) -> None:
    cli("user", "add", "bot", "--role", "monitor", "--password-stdin", input="secret-pass\n")
    created = cli("token", "create", "--user", "bot", "--name", "crawler")
    assert created.code == 0
    token = created.stdout.strip()
    assert token.startswith("yq_") and "\n" not in token and "API 令牌 1" in created.stderr
    listed = cli("token", "list").stdout.strip().split("\t")
    assert (
        listed[:4] == ["1", "bot", token[:8] + "…", "有效"]
        and token not in cli("token", "list").stdout
    )
    assert cli("token", "revoke", "1").code == 0
    again = cli("token", "revoke", "1")
    assert again.code != 0 and "已被吊销" in again.stderr


def test_audit_verify_names_an_edit_and_a_deletion(cli: Cli, store: Store) -> None:
    cli("user", "add", "li", "--role", "monitor", "--password-stdin", input="secret-pass\n")
    cli("user", "add", "wang", "--role", "leader", "--password-stdin", input="secret-pass\n")
    cli("user", "disable", "wang")
    ok = cli("audit", "verify")
    assert ok.code == 0 and ok.stdout.startswith("审计记录完好：共 3 条")
    actions = [
        json.loads(line)["action"] for line in cli("audit", "list", "--json").stdout.splitlines()
    ]
    assert actions == ["user.disabled", "user.created", "user.created"]
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET target = 'user:zhao' WHERE seq = 2"))
    edited = cli("audit", "verify")
    assert (
        edited.code == 1
        and edited.stderr.count("\n") == 1
        and "审计记录 2（user.created" in edited.stderr
    )
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET target = 'user:wang' WHERE seq = 2"))
        conn.execute(text("DELETE FROM audit_entries WHERE seq = 2"))
    deleted = cli("audit", "verify")
    assert (deleted.code, deleted.stderr) == (1, "yuqing: 审计记录 2 被删除了\n")
