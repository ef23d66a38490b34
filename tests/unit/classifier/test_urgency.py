"""Danger phrases, their transfer lines, and texts that only mention danger."""

import pytest

from classifier.urgency import TRANSFER_LINES, Urgency, detect


@pytest.mark.parametrize("text, phrase, line", [
    ("3栋楼道里闻到煤气味，很浓", "闻到煤气味", "gas"),
    ("厨房燃气泄漏了，请马上派人", "燃气泄漏", "gas"),
    ("楼下餐馆着火了，浓烟很大", "着火", "119"),
    ("仓库冒烟起火", "冒烟起火", "119"),
    ("小区围墙坍塌压住了车", "坍塌", "119"),
    ("老人被困电梯二十分钟", "被困电梯", "119"),
    ("家里有人煤气中毒昏迷", "煤气中毒", "120"),
    ("有人在河边溺水", "溺水", "120"),
    ("电线掉落在人行道上", "电线掉落", "110"),
    ("邻居说要跳楼，情绪激动", "跳楼", "110"),
    ("朋友发消息说想自杀", "自杀", "110"),
])
def test_danger_phrases_make_an_emergency_with_a_transfer_line(text, phrase, line):
    assert detect(text) == Urgency("emergency", (phrase,), line)
    assert line in TRANSFER_LINES


def test_fire_outranks_the_gas_company_when_both_match():
    flag = detect("燃气泄漏后发生爆炸起火")
    assert flag.level == "emergency" and flag.transfer_hint == "119"
    assert flag.phrases == ("燃气泄漏", "爆炸", "起火")


@pytest.mark.parametrize("text", ["开会时发现楼下着火了", "消防通道旁边的仓库起火", "电梯坏了无法打开被困电梯里"])
def test_words_near_a_danger_that_only_look_like_denials_keep_the_emergency(text):
    assert detect(text).level == "emergency"


def test_ordinary_text_is_normal():
    assert detect("小区物业费太贵，服务跟不上") == Urgency("normal")


@pytest.mark.parametrize("text", ["刚才冒烟了，但是没有着火", "现场未发生火灾", "学校开展防溺水教育"])
def test_denied_or_prevented_danger_is_normal(text):
    assert detect(text).level == "normal"


@pytest.mark.parametrize("text, phrase", [
    ("消防通道被堵，存在火灾隐患", "火灾"),
    ("这栋危房随时可能倒塌", "倒塌"),
    ("一旦发生火灾后果不堪设想", "火灾"),
])
def test_a_hazard_is_urgent_without_a_transfer(text, phrase):
    assert detect(text) == Urgency("urgent", (phrase,))
