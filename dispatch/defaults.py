"""Default escalation (督办): ×1.5 the allowed time → the parent unit, ×2 → two
levels up, ×3 → three up. Loaded by a data migration, editable in admin."""

from decimal import Decimal

ESCALATION_STEPS = ((Decimal("1.5"), 1), (Decimal("2"), 2), (Decimal("3"), 3))


def load(EscalationStep):
    """Create the missing steps; existing ones (maybe edited) are kept."""
    for multiple, levels_up in ESCALATION_STEPS:
        EscalationStep.objects.get_or_create(
            levels_up=levels_up, defaults={"multiple": multiple}
        )
