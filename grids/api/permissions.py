"""The DRF side of the permission table: each view names what each method needs.

A view declares ``required_perms = {"GET": Perm.VIEW_REGISTRY, ...}``; a
method without an entry is refused, so a new endpoint cannot be open by
accident (the authorization matrix test reads the same declarations). Whether
the perm holds for a given object is the selectors' business: objects outside
the user's scope are not found (404), never forbidden.
"""

from rest_framework.permissions import BasePermission

from ..selectors import posts_of, scope_roots


class HasRolePermission(BasePermission):
    def has_permission(self, request, view):
        if not request.user.is_authenticated:
            return False
        perm = view.required_perms.get(request.method)
        if perm is None:
            # No handler: let DRF answer 405. A handler with no entry: refused.
            return not hasattr(view, request.method.lower())
        if request.user.is_superuser:
            return True
        if request.method in ("GET", "HEAD"):
            # Reads are filtered by scope; a user without the perm sees nothing.
            return bool(posts_of(request.user))
        return bool(scope_roots(request.user, perm))
