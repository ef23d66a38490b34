from tests.factories import PATHS


def test_factory_reaches_every_state(factory):
    for state in PATHS:
        assert factory.ticket(state).state == state
