from django.core.management.base import BaseCommand, CommandError

from grids.integrity import tree_problems


class Command(BaseCommand):
    help = "Check the territory tree and the registry's ancestry ids; list any broken."

    def handle(self, *args, **options):
        problems = tree_problems()
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} problem(s) found in the tree.")
        self.stdout.write(self.style.SUCCESS("The tree is intact."))
