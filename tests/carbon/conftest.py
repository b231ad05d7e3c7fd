import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English unless a test switches to Thai."""
    with translation.override("en"):
        yield
