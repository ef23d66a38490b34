"""A small category model trained once per session on part of the seed corpus."""
import pytest

from classifier.train import train
from hotline.extensions import db
from hotline.routing import registry
from hotline.routing.training import seed_corpus

CODES = ("property", "noise", "gas_supply", "wage_arrears", "water_supply", "traffic")


@pytest.fixture(scope="session")
def small_model():
    texts, labels = seed_corpus()
    chosen = [(t, label) for t, label in zip(texts, labels, strict=True) if label in CODES]
    return train([t for t, _ in chosen], [label for _, label in chosen])


@pytest.fixture
def active_model(ctx, small_model):
    """Register and activate the small model; returns its registry row."""
    row = registry.register(small_model, "category", "seed")
    registry.activate(row.version)
    db.session.commit()
    return row
