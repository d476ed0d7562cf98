from sqlalchemy.exc import DataError

from yuqing.cli.main import _one_line


def test_a_database_error_is_one_line_without_the_sql_and_its_parameters() -> None:
    # Issue 11: a NUL in an extra field on PostgreSQL printed the INSERT and every post.
    orig = ValueError("unsupported Unicode escape sequence\nDETAIL:  \\u0000 cannot be converted")
    exc = DataError("INSERT INTO posts (text) VALUES (%(text)s)", {"text": "secret post"}, orig)
    line = _one_line(exc)
    assert line == "unsupported Unicode escape sequence DETAIL: \\u0000 cannot be converted"
    assert _one_line(OverflowError("cannot convert\nfloat")) == "cannot convert float"
