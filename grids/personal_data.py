"""Phone and ID numbers of residents: validated on the way in, masked on the way out.

The whole value is stored; roles that do not need it see it masked
(``138****1234``). Reading it unmasked is a privilege decided by the access
layer, which also logs the read.
"""

import re

MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
ID_NUMBER = re.compile(r"^\d{17}[\dX]$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def phone_is_valid(phone: str) -> bool:
    return bool(MAINLAND_MOBILE.match(phone) or LANDLINE.match(phone))


def id_number_check_digit(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS))
    return _ID_CHECK[total % 11]


def id_number_is_valid(id_number: str) -> bool:
    """A resident identity card number (GB 11643): 18 characters, checksum right."""
    id_number = id_number.upper()
    if not ID_NUMBER.match(id_number):
        return False
    return id_number_check_digit(id_number[:17]) == id_number[17]


def mask_phone(phone: str) -> str:
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


def mask_id_number(id_number: str) -> str:
    if len(id_number) < 10:
        return "*" * len(id_number)
    return f"{id_number[:6]}{'*' * (len(id_number) - 10)}{id_number[-4:]}"
