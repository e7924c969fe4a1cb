"""Demo logins for the embedded default; never created under production settings."""

from .models import User

DEMO_PASSWORD = "jintan-demo-2026"
DEMO_LOGINS = [
    # username, full name, role description (printed for the newcomer)
    ("admin", "系统管理员", "超级管理员 · 全部单元（后台 /admin/）"),
]


def demo_logins_ensure() -> list[tuple[str, str, str]]:
    """Create the demo logins if missing; return (username, password, role).

    An existing login keeps whatever password it has been given since.
    """
    printed = []
    for username, full_name, role in DEMO_LOGINS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"full_name": full_name, "is_staff": True, "is_superuser": True},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        printed.append((username, DEMO_PASSWORD, role))
    return printed
