"""Repeat calls (classifier.repeats): place names, problem kinds, scoring and the index, without a database."""
import pytest

from classifier import replay
from classifier.repeats import (
    MIN_PLACE,
    MIN_TOPIC,
    Place,
    RepeatIndex,
    combine,
    extract_places,
    merge_offers,
    place_strength,
    problem_kinds,
)


def cores(text):
    return {(p.core, p.kind) for p in extract_places(text)}


@pytest.mark.parametrize("text, expected", [
    ("A市A3区联丰路米兰春天G2栋320", {("米兰春天", "estate"), ("联丰路", "road")}),
    ("城西区建设路翠湖花园3栋", {("翠湖花园", "estate"), ("建设路", "road")}),
    ("反映一下金桂苑小区停电的事", {("金桂苑", "estate")}),
    ("马家湾村旁边的搅拌站粉尘特别大", {("马家湾", "estate")}),
    ("A7县春华镇武塘村坝湾组的自来水何时能好", {("武塘", "estate"), ("春华", "town")}),
    ("长江路华盛建筑工地拖欠工资", {("华盛建筑工地", "site"), ("长江路", "road")}),
    ("幸福里小区今天一早就没有燃气了", {("幸福里", "estate")}),
])
def test_places_are_found_in_addresses_and_in_what_was_said(text, expected):
    assert cores(text) == expected


@pytest.mark.parametrize("text", [
    "我们小区断水大半天了，孩子放学回来连口水都喝不上",   # 我们小区 names no estate
    "学生过马路很危险，请政府管一管",                     # 马路, 政府
    "A3区、城西区都有这个问题",                           # districts are too wide to count
    "坐12路公交车上班",                                   # a bus line is no road
])
def test_generic_words_districts_and_bus_lines_are_no_places(text):
    assert cores(text) == set()


def test_synonyms_share_a_problem_kind():
    assert {problem_kinds(t) & {"water_outage"} for t in ("家里停水了", "一滴水都没有", "小区断水大半天")} \
        == {frozenset({"water_outage"})}
    assert "water_outage" not in problem_kinds("电梯坏了三天")


def test_a_shared_estate_counts_fully_a_road_less_and_a_street_not_enough():
    estate, road, street = Place("金桂苑", "金桂苑", "estate"), Place("建设路", "建设路", "road"), \
        Place("东湖街道", "东湖", "street")
    assert place_strength({"金桂苑"}, [estate], [estate]) == 1.0
    assert place_strength({"建设路"}, [road], [road]) == 0.7 >= MIN_PLACE
    assert place_strength({"东湖"}, [street], [Place("东湖村", "东湖", "estate")]) < MIN_PLACE


def test_two_estates_on_one_road_are_two_places():
    ours = [Place("建设路", "建设路", "road"), Place("翠湖花园", "翠湖花园", "estate")]
    theirs = [Place("建设路", "建设路", "road"), Place("金沙湾", "金沙湾", "estate")]
    assert place_strength({"建设路"}, ours, theirs) == 0.0


def test_neither_place_nor_problem_alone_makes_a_repeat():
    assert combine(topic=0.9, place=0.0) is None
    assert combine(topic=MIN_TOPIC / 2, place=1.0) is None
    assert combine(topic=0.6, place=1.0) == pytest.approx(0.72)


@pytest.fixture(scope="module")
def index():
    index = RepeatIndex([text for text, _ in replay.seed_texts()])
    index.add([1, 2, 3, 4], [
        "从早上六点开始家里就停水了，也没看到任何停水通知\n城西区建设路翠湖花园3栋",
        "翠湖花园5栋电梯经常关人，今天又卡在半中间\n城西区建设路翠湖花园5栋",
        "红星苑小区今天一直停水，家里一点水都没有\n城东区红星苑",
        "东湖村的垃圾堆在路边好久了都没清运",
    ], [100, 200, 300, 400])
    return index


def test_the_same_incident_in_other_words_is_found_with_the_reason(index):
    found = index.query("我们小区断水大半天了，孩子放学回来连口水都喝不上\n建设路翠湖花园", since=0)
    assert [r.id for r in found] == [1]
    assert found[0].place == "翠湖花园" and found[0].kind == "estate" and found[0].topic >= MIN_TOPIC


def test_a_place_named_only_in_an_earlier_address_is_recognised_in_what_is_said(index):
    # "翠湖花园" appears here in passing, without 小区 or an address: the index knows the name.
    assert [r.id for r in index.query("翠湖花园到现在还是没水，水龙头拧开一滴都没有")] == [1]


def test_same_place_other_problem_and_same_problem_elsewhere_are_not_repeats(index):
    assert 2 not in [r.id for r in index.query("翠湖花园停水了，一滴水都没有")]        # the lift call
    assert 3 not in [r.id for r in index.query("翠湖花园停水了，一滴水都没有")]        # 红星苑
    assert index.query("东湖村的路灯不亮了") == []


def test_window_exclusion_and_retain(index):
    text = "翠湖花园到现在还是没水"
    assert index.query(text, since=150) == []
    assert index.query(text, exclude={1}) == []
    kept = RepeatIndex()
    kept.add([7, 8], ["金桂苑停电了", "金桂苑家里没电"], [1, 2])
    kept.retain([8])
    assert [r.id for r in kept.query("金桂苑小区昨晚突然停电")] == [8]


def test_texts_alike_but_placed_elsewhere_are_not_offered(index):
    offers = index.offers("红星苑小区家里停水了\n城东区红星苑", [(1, 0.5), (2, 0.4)], k=5)
    assert [o["id"] for o in offers] == [3]  # 1 and 2 are in 翠湖花园
    merged = merge_offers([(9, 0.95), (10, 0.5)], [], 5)
    assert [o["reason"] for o in merged] == ["text", "text"]


def test_team_written_set_meets_the_targets():
    """The frozen team-written set (classifier/data/repeats/team.csv) replayed against the seed corpus."""
    results = replay.replay(replay.team_calls(), replay.seed_texts(), [t for t, _ in replay.seed_texts()])
    new, shipped = results["new"], results["shipped"]
    assert new.repeats == 100 and new.recall >= 0.9
    assert new.false_top_rate <= 0.1
    assert shipped.recall < new.recall
