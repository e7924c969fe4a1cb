from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from grids.exporting import sheet_export
from grids.models import OrgUnit
from grids.sheets import SHEETS


class Command(BaseCommand):
    help = (
        "Export a registry sheet to .xlsx with the Chinese headers the importer "
        "reads. Phone and ID numbers are masked unless --unmasked."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(SHEETS))
        parser.add_argument("file", help="the .xlsx file to write")
        parser.add_argument(
            "--unit",
            metavar="CODE",
            help="Only this unit's subtree (its administrative code).",
        )
        parser.add_argument(
            "--unmasked",
            action="store_true",
            help="Write whole phone and ID numbers (the export is logged).",
        )

    def handle(self, *args, kind, file, unit, unmasked, **options):
        scope = None
        if unit:
            scope = OrgUnit.objects.filter(code=unit).first()
            if scope is None:
                raise CommandError(_("No unit has the code %(code)s.") % {"code": unit})
        with tqdm(
            unit="行",
            disable=options["verbosity"] < 1,
            file=self.stderr,
            dynamic_ncols=True,
        ) as bar:

            def progress(stage, advance, total):
                bar.total = total
                bar.update(advance)

            try:
                written = sheet_export(
                    kind,
                    file,
                    actor=None,
                    unit=scope,
                    unmasked=unmasked,
                    progress=progress,
                )
            except OSError as exc:
                raise CommandError(f"{file}: {exc}") from exc
        if unmasked:
            message = _("Wrote %(rows)d rows to %(file)s, numbers unmasked.")
        else:
            message = _("Wrote %(rows)d rows to %(file)s, phone and ID numbers masked.")
        self.stdout.write(self.style.SUCCESS(message % {"rows": written, "file": file}))
