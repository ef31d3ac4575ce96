"""The test suite. Its shared helpers get pytest's detailed assertion messages, as the tests do."""

import pytest

pytest.register_assert_rewrite("tests.helpers")
