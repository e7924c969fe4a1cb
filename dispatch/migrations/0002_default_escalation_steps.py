from django.db import migrations

from dispatch import defaults


def seed(apps, schema_editor):
    defaults.load(apps.get_model("dispatch", "EscalationStep"))


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
