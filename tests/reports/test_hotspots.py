"""A planted burst of similar complaints in one area is found as the top hotspot."""
import csv
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from classifier.tokenize import DATA_DIR
from hotline.extensions import db
from hotline.reports import hotspots
from hotline.tickets import service

NOW = datetime(2026, 6, 20, 4, 0, tzinfo=UTC)
AREAS = ["城东区", "城西区", "高新区", "江北区"]


def seed_texts():
    texts = []
    for path in sorted(Path(DATA_DIR, "seed").glob("*.csv")):
        with path.open(encoding="utf-8") as f:
            texts.extend(row["text"] for row in csv.DictReader(f) if len(row["text"].strip()) >= 5)
    return texts


def planted_texts(rng, n):
    openings = ["市民来电反映，", "我是滨江花园的业主，", "投诉：", "", "再次反映，"]
    middles = ["滨江花园小区地下车库又积水了", "滨江花园地下车库积水有半米深",
               "滨江花园小区车库积水严重，好几辆车被泡", "滨江花园地下停车场积水一直没人抽"]
    endings = ["，物业不管，请相关部门督促抽水排涝。", "，物业说水泵坏了，请尽快处理。",
               "，已经三天了，请物业马上抽水。", "，车都开不出来，要求物业抽水并赔偿。"]
    return [rng.choice(openings) + rng.choice(middles) + rng.choice(endings) for _ in range(n)]


def add(content, area, created, operator):
    return service.create_ticket({"channel": "phone", "type": "complaint", "content": content,
                                  "area": area}, operator, now=created)


def test_planted_cluster_is_the_top_hotspot(factory):
    rng = random.Random(5)
    operator = factory.user("operator1")
    for text in rng.sample(seed_texts(), 300):
        add(text, rng.choice(AREAS), NOW - timedelta(minutes=rng.randrange(7 * 24 * 60)), operator)
    planted = [add(text, "江北区", NOW - timedelta(minutes=rng.randrange(3 * 24 * 60)), operator).number
               for text in planted_texts(rng, 40)]
    db.session.commit()

    found = hotspots.hotspots(NOW, 7)

    top = found[0]
    assert (top["rank"], top["area"]) == (1, "江北区")
    assert set(planted) <= set(top["ticket_numbers"])
    assert top["count"] < 50 and top["previous_count"] == 0 and top["heat"] == 2 * top["count"]
    assert any(term in top["topic"] for term in ("积水", "车库", "抽水"))


def test_hotspot_trend_compares_with_the_previous_window(factory):
    rng = random.Random(7)
    operator = factory.user("operator1")
    texts = planted_texts(rng, 30)
    for text in texts[:10]:
        add(text, "城东区", NOW - timedelta(days=10), operator)
    for text in texts[10:]:
        add(text, "城东区", NOW - timedelta(days=2), operator)
    db.session.commit()

    [hotspot] = hotspots.hotspots(NOW, 7)
    assert (hotspot["count"], hotspot["previous_count"], hotspot["trend"]) == (20, 10, 10)
    assert hotspot["heat"] == hotspots.heat(20, 10) == 30.0


def test_too_few_tickets_make_no_hotspot(factory):
    for text in planted_texts(random.Random(1), 4):
        add(text, "城东区", NOW - timedelta(days=1), factory.user("operator1"))
    db.session.commit()
    assert hotspots.hotspots(NOW, 7) == []
