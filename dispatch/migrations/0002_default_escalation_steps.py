"""Default escalation: ×1.5 the allowed time → parent, ×2 → grandparent, ×3 → three up."""

from decimal import Decimal

from django.db import migrations

DEFAULT_STEPS = ((Decimal("1.5"), 1), (Decimal("2"), 2), (Decimal("3"), 3))


def seed(apps, schema_editor):
    EscalationStep = apps.get_model("dispatch", "EscalationStep")
    for multiple, levels_up in DEFAULT_STEPS:
        EscalationStep.objects.get_or_create(
            levels_up=levels_up, defaults={"multiple": multiple}
        )


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
