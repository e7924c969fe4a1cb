"""The import and export pages of each registry admin, and domain errors shown
as messages rather than server errors."""

import tempfile

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jintan.errors import DomainError

from ..exporting import XLSX_CONTENT_TYPE, sheet_export
from ..importing import SheetRejected, sheet_import
from ..sheets import SHEETS

# Bad rows shown on the import page; the command lists every one.
PROBLEMS_SHOWN = 1000
# Exports up to this size stay in memory, bigger ones go to a temporary file.
EXPORT_MEMORY = 16 * 1024 * 1024


class SheetUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Sheet file"),
        help_text=gettext_lazy(".xlsx, or .csv in UTF-8 or GB18030."),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Only check the file; write nothing"), required=False
    )


class SheetAdminMixin:
    """Import and export buttons on the changelist; domain errors as messages.

    A ``DomainError`` raised by a service while saving or deleting rolls the
    request's transaction back and comes back as an error message on the page
    it came from, never as a server error.
    """

    sheet_kind: str

    def get_urls(self):
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name=f"{name}_import"),
            path("export/", view(self.export_view), name=f"{name}_export"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        # The importer does not check rows against the user's scope yet, so
        # only superusers, who have the whole tree, may import.
        if not request.user.is_superuser:
            raise PermissionDenied
        sheet = SHEETS[self.sheet_kind]
        form = SheetUploadForm(request.POST or None, request.FILES or None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import the %(sheet)s sheet") % {"sheet": sheet.title},
            "sheet": sheet,
            "form": form,
        }
        if request.method == "POST" and form.is_valid():
            try:
                context["result"] = sheet_import(
                    self.sheet_kind,
                    form.cleaned_data["file"],
                    actor=request.user,
                    dry_run=form.cleaned_data["dry_run"],
                )
            except SheetRejected as rejected:
                context["rejected"] = rejected
                context["problems"] = rejected.problems[:PROBLEMS_SHOWN]
                context["problems_hidden"] = max(
                    0, len(rejected.problems) - PROBLEMS_SHOWN
                )
            except DomainError as error:
                form.add_error(None, error.message)
        return TemplateResponse(request, "admin/grids/sheet_import.html", context)

    def export_view(self, request):
        """Download the sheet of the rows the user sees as .xlsx, numbers masked."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        sheet = SHEETS[self.sheet_kind]
        # FileResponse closes the file once it is sent.
        file = tempfile.SpooledTemporaryFile(max_size=EXPORT_MEMORY)  # noqa: SIM115
        sheet_export(
            self.sheet_kind,
            file,
            actor=request.user,
            viewer=request.user,
            unmasked=False,
        )
        file.seek(0)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return FileResponse(
            file,
            as_attachment=True,
            filename=f"{sheet.title}-{stamp}.xlsx",
            content_type=XLSX_CONTENT_TYPE,
        )

    def _refused(self, request, error: DomainError, where: str):
        self.message_user(request, error.message, messages.ERROR)
        return HttpResponseRedirect(where)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            return self._refused(request, error, request.get_full_path())

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as error:
            opts = self.model._meta
            change = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change",
                args=[object_id],
                current_app=self.admin_site.name,
            )
            return self._refused(request, error, change)

    def changelist_view(self, request, extra_context=None):
        if request.method != "POST":
            return super().changelist_view(request, extra_context)
        # Actions (delete selected, deactivate) run in one transaction, so a
        # refusal leaves no half-done change and no log entry behind.
        try:
            with transaction.atomic():
                return super().changelist_view(request, extra_context)
        except DomainError as error:
            return self._refused(request, error, request.get_full_path())
