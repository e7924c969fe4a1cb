from django.db import migrations


def load(apps, schema_editor):
    from workorders.defaults import load as load_defaults

    load_defaults(
        apps.get_model("workorders", "Category"),
        apps.get_model("workorders", "DeadlineRule"),
    )


class Migration(migrations.Migration):
    dependencies = [("workorders", "0002_lifecycle")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
