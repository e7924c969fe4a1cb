import pytest

from workorders import defaults
from workorders.models import Category, DeadlineRule


@pytest.fixture
def categories(db):
    """The default taxonomy (a data migration loads it; tests that flush lose it)."""
    defaults.load(Category, DeadlineRule)
    return {category.code: category for category in Category.objects.all()}
