from yuqing.core.textfold import fold, squash_spaces, to_simplified


def test_fold_makes_traditional_simplified_and_widths_one() -> None:
    assert fold("學校食堂") == "学校食堂"
    assert fold("ＣＯＶＩＤ－１９") == "covid-19"
    assert fold("臺灣 頭髮") == "台湾 头发"


def test_fold_keeps_length_of_chinese_text() -> None:
    text = "某縣醫院門診樓發生火災，無人員傷亡。"
    assert len(fold(text)) == len(text)


def test_ascii_is_only_lower_cased() -> None:
    assert fold("Beijing COVID") == "beijing covid"


def test_to_simplified_leaves_simplified_alone() -> None:
    assert to_simplified("学校") == "学校"


def test_squash_spaces() -> None:
    assert squash_spaces("  a \n\t b  ") == "a b"
