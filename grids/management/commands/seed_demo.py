from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from accounts.demo import DEMO_PASSWORD, demo_logins_ensure
from grids import demo


class Command(BaseCommand):
    help = (
        "Load a demo district with Chinese names (deterministic for a seed) and "
        "create the demo logins. Running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(demo.SCALES), default="small")
        parser.add_argument("--seed", type=int, default=2024)

    def handle(self, *args, scale, seed, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                "Demo data is disabled under these settings (DEMO_DATA_ALLOWED)."
            )
        if demo.demo_loaded():
            self.stdout.write("Demo district already loaded; nothing to do.")
        else:
            self._seed(demo.SCALES[scale], seed, options["verbosity"])
        self.stdout.write("\nDemo logins (http://127.0.0.1:8000/):")
        logins = demo_logins_ensure()
        logins += demo.demo_staff_ensure(DEMO_PASSWORD)
        for username, password, role in logins:
            self.stdout.write(f"  {username} / {password}  — {role}")

    def _seed(self, size, seed, verbosity):
        with tqdm(
            total=size.households,
            desc="households",
            unit="户",
            disable=verbosity < 1,
            file=self.stderr,
        ) as bar:
            try:
                counts = demo.seed(size, seed=seed, progress=bar.update)
            except Exception as exc:
                raise CommandError(f"Demo data could not be loaded: {exc}") from exc
        summary = ", ".join(f"{name} {count}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo district loaded: {summary}"))
