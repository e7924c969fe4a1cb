from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import DeviceToken, User
from .tokens import token_revoke


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("full_name", "phone", "email")}),
        (
            _("Permissions"),
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    list_display = ("username", "full_name", "phone", "is_staff", "is_active")
    search_fields = ("username", "full_name", "phone")


@admin.register(DeviceToken)
class DeviceTokenAdmin(admin.ModelAdmin):
    """Administrators see every terminal's token and cut a lost one off."""

    list_display = (
        "device_name",
        "user",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    list_select_related = ("user",)
    search_fields = ("device_name", "user__username", "user__full_name", "prefix")
    readonly_fields = [field.name for field in DeviceToken._meta.fields]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # tokens are issued to terminals through the API only

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            token_revoke(actor=request.user, token_id=token.pk)
        self.message_user(request, _("The selected tokens are revoked."))
