"""Stored text is text a person typed: refused otherwise, with nothing written (issue 13, finding 2)."""
import pytest

from tests.api.support import api, assert_error, make_ticket, snapshot, tokens  # noqa: F401

BASE = {"channel": "phone", "type": "complaint", "content": "小区门口路灯坏了好几天没人修"}


@pytest.mark.parametrize("field, value, message", [
    ("content", "小区门口\x0b路灯坏了好几天", "控制字符"),
    ("content", "\u200b\u200b\u200b\u200b\u200b\u200b", "可见字符"),
    ("caller_name", "张\u202e三", "文字方向"),
    ("address", "幸福路\x1b12号", "控制字符"),
    ("subject", "\u2066路灯\u2069", "文字方向"),
])
def test_unacceptable_text_is_400_naming_the_field_and_writes_nothing(api, snapshot, field, value, message):
    before = snapshot()
    response = api("operator1").post("/tickets", json=BASE | {field: value})
    assert_error(response, 400, "invalid_input")
    assert message in response.json["error"]["details"][field]
    assert snapshot() == before


def test_a_pasted_address_becomes_one_line(api):
    response = api("operator1").post("/tickets", json=BASE | {"address": "幸福路\n12号  3栋"})
    assert response.status_code == 201 and response.json["address"] == "幸福路 12号 3栋"


def test_action_notes_are_checked_too(api, make_ticket, snapshot):
    number = make_ticket("received")
    before = snapshot()
    response = api("operator1").post(f"/tickets/{number}/invalidate", json={"reason": "重复\x08来电"})
    assert_error(response, 400, "invalid_input")
    assert snapshot() == before
