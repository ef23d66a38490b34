"""Sanity checks on the real Teddy Cup 2020 citizen messages, when /work/shared/data is present."""

import csv
from pathlib import Path

import pytest

from classifier.pipeline import compose_text
from classifier.train import evaluate, train
from classifier.urgency import detect

LABELLED = Path(__file__).resolve().parents[4] / "shared" / "data" / "teddy2020c_fj2_labeled_public.csv"
pytestmark = pytest.mark.skipif(not LABELLED.is_file(), reason=f"real data not present at {LABELLED}")


@pytest.fixture(scope="module")
def messages():
    with LABELLED.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["text"]]
    return [compose_text(r["subject"], r["text"]) for r in rows], [r["label"] for r in rows]


def test_a_model_trained_on_some_messages_classifies_others(messages):
    texts, labels = messages
    # Every third message for training, every seventh of the rest for testing: fast, disjoint, all labels.
    model = train(texts[::3], labels[::3], features=["char"], calibration=None)
    test = [i for i in range(len(texts)) if i % 3 and i % 7 == 1]
    report = evaluate(model, [texts[i] for i in test], [labels[i] for i in test])
    assert report["macro_f1"] > 0.8


def test_few_ordinary_messages_are_flagged_as_emergencies(messages):
    flagged = sum(detect(text).level == "emergency" for text in messages[0])
    assert flagged / len(messages[0]) < 0.02
