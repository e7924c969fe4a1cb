# Transitional: the errors moved to jintan.errors; remove once nothing imports this.
from jintan.errors import Conflict, DomainError, NotFound  # noqa: F401
