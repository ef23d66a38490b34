"""Fixtures for the classifier tests: a tiny labelled CSV and a model trained on it once."""

from pathlib import Path

import pytest

from classifier.train import read_csv, train

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def tickets_csv():
    return FIXTURES / "tickets.csv"


@pytest.fixture(scope="session")
def tickets(tickets_csv):
    return read_csv(tickets_csv)


@pytest.fixture(scope="session")
def model(tickets):
    return train(*tickets)


@pytest.fixture(scope="session")
def saved_model(model, tmp_path_factory):
    directory = tmp_path_factory.mktemp("model")
    model.save(directory)
    return directory
