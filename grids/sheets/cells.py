"""How one cell of a sheet is read, and how a value is written back.

Each cell type's ``parse`` takes what openpyxl or the csv module gives (text,
a number, None) and returns the value for the registry, or raises
``CellError`` saying why it cannot; ``format`` does the reverse for export.
"""

import json
import math
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from jintan.errors import DomainError

from ..geo import boundary_validate

if TYPE_CHECKING:
    from .words import Vocabulary

PATH_SEPARATOR = "/"
TAG_SEPARATORS = ("、", ",", "，", ";", "；")
# What a masked phone or ID number looks like (138****1234).
MASK_CHARACTER = "*"


class CellError(Exception):
    """A cell that cannot be read; ``code`` is stable, ``reason`` is for people."""

    def __init__(self, reason: str, *, code: str):
        super().__init__(reason)
        self.reason = reason
        self.code = code


def cell_text(cell) -> str:
    """The cell as the user sees it: stripped text; whole numbers without ".0"."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    return str(cell).strip()


def _required(text: str) -> None:
    if not text:
        raise CellError(_("This value is required."), code="required")


class Text:
    def __init__(self, max_length: int, *, required: bool = False):
        self.max_length = max_length
        self.required = required

    def parse(self, cell) -> str:
        text = cell_text(cell)
        if self.required:
            _required(text)
        if len(text) > self.max_length:
            raise CellError(
                _("At most %(max)d characters.") % {"max": self.max_length},
                code="too_long",
            )
        return text

    def format(self, value):
        return value


class Code(Text):
    """A natural key: administrative code, household or place number."""

    def __init__(self):
        super().__init__(32, required=True)

    def parse(self, cell) -> str:
        text = super().parse(cell)
        if any(character.isspace() for character in text):
            raise CellError(_("A code cannot contain spaces."), code="invalid_code")
        return text


class UnitRef(Text):
    """A unit given by its code (320413001) or by its path (金坛区/儒林镇/五叶村)."""

    def __init__(self, *, required: bool = False):
        super().__init__(500, required=required)

    def parse(self, cell) -> str:
        text = super().parse(cell).replace("／", PATH_SEPARATOR)
        if PATH_SEPARATOR in text:
            parts = [part.strip() for part in text.split(PATH_SEPARATOR)]
            text = PATH_SEPARATOR.join(part for part in parts if part)
        return text


class Choice:
    def __init__(self, vocabulary: "Vocabulary", *, required: bool = False):
        self.vocabulary = vocabulary
        self.required = required

    def parse(self, cell) -> str:
        text = cell_text(cell)
        if not text:
            if self.required:
                _required(text)
            return ""
        return self.vocabulary.value_of(text)

    def format(self, value):
        return self.vocabulary.word_of(value) if value else None


class Labels:
    """Several words in one cell: 独居老人、低保户."""

    def __init__(self, vocabulary: "Vocabulary"):
        self.vocabulary = vocabulary

    def parse(self, cell) -> list[str]:
        text = cell_text(cell)
        for separator in TAG_SEPARATORS[1:]:
            text = text.replace(separator, TAG_SEPARATORS[0])
        values = []
        for word in text.split(TAG_SEPARATORS[0]):
            if word.strip():
                value = self.vocabulary.value_of(word.strip())
                if value not in values:
                    values.append(value)
        return values

    def format(self, value):
        return "、".join(self.vocabulary.word_of(tag) for tag in value or []) or None


class Integer:
    def __init__(self, *, minimum=0, maximum=2**31 - 1, required=False):
        self.minimum, self.maximum, self.required = minimum, maximum, required

    def parse(self, cell) -> int | None:
        if isinstance(cell, int) and not isinstance(cell, bool):
            number = cell
        else:
            text = cell_text(cell)
            if not text:
                if self.required:
                    _required(text)
                return None
            try:
                as_float = float(text)
            except ValueError:
                as_float = math.nan
            if not as_float.is_integer():
                raise CellError(_("Not a whole number."), code="not_a_number")
            number = int(as_float)
        if not self.minimum <= number <= self.maximum:
            raise CellError(
                _("Must be between %(min)d and %(max)d.")
                % {"min": self.minimum, "max": self.maximum},
                code="out_of_range",
            )
        return number

    def format(self, value):
        return value


class Degrees:
    """A latitude or longitude in decimal degrees."""

    def __init__(self, limit: float):
        self.limit = limit

    def parse(self, cell) -> float | None:
        if isinstance(cell, int | float) and not isinstance(cell, bool):
            number = float(cell)
        else:
            text = cell_text(cell)
            if not text:
                return None
            try:
                number = float(text)
            except ValueError:
                raise CellError(
                    _("Not a number in decimal degrees."), code="bad_coordinates"
                ) from None
        if not (math.isfinite(number) and -self.limit <= number <= self.limit):
            raise CellError(
                _("Must be between -%(limit)d and %(limit)d degrees.")
                % {"limit": self.limit},
                code="bad_coordinates",
            )
        return number

    def format(self, value):
        return value


class Boundary:
    """GeoJSON text, checked with ``grids.geo.boundary_validate``."""

    def parse(self, cell) -> dict | None:
        text = cell_text(cell)
        if not text:
            return None
        try:
            geojson = json.loads(text)
        except ValueError as exc:
            raise CellError(
                _("Not valid JSON: %(error)s") % {"error": exc},
                code="invalid_boundary",
            ) from None
        try:
            return boundary_validate(geojson)
        except DomainError as error:
            reasons = [str(r) for messages in error.fields.values() for r in messages]
            reason = "; ".join([error.message, *reasons[:1]])
            raise CellError(reason, code="invalid_boundary") from None

    def format(self, value):
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class PersonalNumber(Text):
    """A phone or ID number: stored whole; a masked copy is never taken in."""

    def __init__(self, max_length: int, *, mask, upper: bool = False):
        super().__init__(max_length)
        self.mask = mask
        self.upper = upper

    def parse(self, cell) -> str:
        text = cell_text(cell).replace(" ", "")
        if MASK_CHARACTER in text:
            raise CellError(
                _(
                    "Masked value: it was exported masked and cannot be imported; "
                    "export it unmasked or type the full number."
                ),
                code="masked_value",
            )
        text = super().parse(text)
        return text.upper() if self.upper else text
