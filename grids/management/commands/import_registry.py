from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from grids.importing import SheetRejected, sheet_import
from grids.sheets import SHEETS
from jintan.errors import DomainError


class Command(BaseCommand):
    help = (
        "Import a registry sheet (.xlsx or .csv with the Chinese headers). "
        "All or nothing: a file with any bad row is rejected whole, with every "
        "bad row listed."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(SHEETS))
        parser.add_argument("file")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and count what would change; write nothing.",
        )

    def handle(self, *args, kind, file, dry_run, **options):
        with tqdm(
            unit="行",
            disable=options["verbosity"] < 1,
            file=self.stderr,
            dynamic_ncols=True,
        ) as bar:
            stages = []

            def progress(stage, advance, total):
                if not stages or stages[-1] != stage:
                    stages.append(stage)
                    bar.reset(total=total)
                    bar.set_description(stage)
                bar.update(advance)

            try:
                result = sheet_import(
                    kind, file, actor=None, dry_run=dry_run, progress=progress
                )
            except SheetRejected as rejected:
                bar.close()
                for line in rejected.lines():
                    self.stderr.write(line)
                raise CommandError(rejected.message) from rejected
            except FileNotFoundError as exc:
                raise CommandError(f"{file}: {exc.strerror}") from exc
            except DomainError as error:
                raise CommandError(error.message) from error
        self.stdout.write(self.style.SUCCESS(result.summary()))
