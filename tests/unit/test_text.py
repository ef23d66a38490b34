"""What text people may store (hotline/text.py; issue 13, finding 2)."""
import pytest

from hotline.text import checked, visible_length


@pytest.mark.parametrize("text", ["小区门口\x0b路灯坏了", "a\x00b", "报修\x1b[31m", "x\x7fy", "x\x85y", "x\x0cy"])
def test_control_characters_are_refused(text):
    with pytest.raises(ValueError, match="控制字符"):
        checked(text)


@pytest.mark.parametrize("text", ["张三\u202e", "幸福\u202d路", "\u2066路\u2069", "a\u200fb"])
def test_direction_controls_are_refused(text):
    with pytest.raises(ValueError, match="文字方向"):
        checked(text)


def test_tabs_and_line_breaks_stay_in_multi_line_text():
    assert checked("第一段\r\n第二段\t结束") == "第一段\r\n第二段\t结束"


def test_one_line_fields_get_one_space_for_each_run_of_white_space():
    assert checked("幸福路\n  12号\t3栋", one_line=True) == "幸福路 12号 3栋"


@pytest.mark.parametrize("text", ["\u200b\u200b\u200b\u200b\u200b", "\ufeff \u3000 \u2060\u00ad", "  \u200c\u200d "])
def test_text_of_invisible_characters_only_is_refused(text):
    assert visible_length(text) == 0
    with pytest.raises(ValueError, match="可见字符"):
        checked(text, min_visible=1)


def test_visible_length_counts_what_a_reader_sees():
    assert visible_length("停\u200b水 了") == 3
    with pytest.raises(ValueError, match="至少需要 5 个"):
        checked("停\u200b水\u200b了\u200b啊", min_visible=5)
    assert checked("停水两天了", min_visible=5) == "停水两天了"
