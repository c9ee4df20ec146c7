"""Fixtures shared by the integration tests."""

from __future__ import annotations

import pytest

from tests.helpers import log_in, make_user
from tests.learning import import_test_course


@pytest.fixture
def learner(app, client) -> str:
    """A logged-in learner in Europe with a complete profile, and the test course imported."""
    import_test_course(app)
    email = make_user(app, with_profile=True)
    log_in(client, email)
    return email
