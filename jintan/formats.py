"""How figures read on every page and export of the platform."""


def percent(rate: float | None) -> str:
    """98.3% (one decimal, as the dashboard's script writes it); a dash for no
    rate (nothing to divide by)."""
    return "—" if rate is None else f"{rate * 100:.1f}%"
