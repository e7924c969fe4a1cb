"""A report as the .xlsx an office files: one A4 sheet, numbered sections.

Title, unit and period on top; then key figures with the previous period and
the same period last year (环比、同比), intake by source and by business
module, the ranking of child units, open overdue tickets by owner and by
department, repeat complaints, alerts, and the daily series; the definitions
at the foot. Headers are Chinese whatever the reader's language (the labels
go through the zh-hans catalogue). Figures are numbers, not text, so the
office can add them up; the values are those of the page (``presenting``).
"""

import io

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import override
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from .models import Report
from .presenting import Presentation, present

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_LANGUAGE = "zh-hans"
COLUMNS = 9
WIDTHS = [8, 24, 12, 12, 12, 14, 16, 14, 12]
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="F2F2F2")
PERCENT = "0.0%"
COUNT = "#,##0"


def report_workbook(report: Report) -> tuple[bytes, str]:
    """The workbook's bytes and its file name (Chinese, like its headers)."""
    with override(EXPORT_LANGUAGE):
        shown = present(report)
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = _("Report")[:31]
        _Writer(sheet, shown).write()
        filename = f"{shown.title}.xlsx".replace("/", "-").replace(" · ", "-")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), filename


class _Writer:
    def __init__(self, sheet, shown: Presentation):
        self.sheet = sheet
        self.shown = shown
        self.row = 1
        self.section = 0

    def write(self):
        self._title()
        self._key_figures()
        self._shares(_("Intake by source"), _("Source"), self.shown.sources, "label")
        self._shares(
            _("Intake by business module"),
            _("Business module"),
            self.shown.modules,
            "name",
        )
        if self.shown.children or self.shown.held_here:
            self._ranking()
        self._overdue()
        self._hotspots()
        self._alerts()
        if self.shown.report.kind != "daily":
            self._series()
        self._notes()
        self._page_setup()

    # -- building blocks ------------------------------------------------------

    def _cell(self, column, value, *, bold=False, fmt=None, head=False, box=True):
        cell = self.sheet.cell(row=self.row, column=column, value=value)
        if bold or head:
            cell.font = Font(bold=True)
        if head:
            cell.fill = HEAD_FILL
            cell.alignment = Alignment(
                horizontal="center", vertical="center", wrap_text=True
            )
        if fmt:
            cell.number_format = fmt
        if box:
            cell.border = BOX
        return cell

    def _merged(self, text, *, size=11, bold=False, align="left", height=None):
        sheet = self.sheet
        sheet.merge_cells(
            start_row=self.row, start_column=1, end_row=self.row, end_column=COLUMNS
        )
        cell = sheet.cell(row=self.row, column=1, value=text)
        cell.font = Font(size=size, bold=bold)
        cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)
        if height:
            sheet.row_dimensions[self.row].height = height
        self.row += 1

    def _heading(self, text):
        self.row += 1
        self.section += 1
        self._merged(
            _("%(number)s. %(title)s")
            % {"number": _numeral(self.section), "title": text},
            bold=True,
            size=12,
        )

    def _header(self, labels):
        for column, label in enumerate(labels, start=1):
            self._cell(column, label, head=True)
        self.sheet.row_dimensions[self.row].height = 30
        self.row += 1

    def _line(self, values):
        """A row of (value, format) pairs from the first column."""
        for column, (value, fmt) in enumerate(values, start=1):
            self._cell(column, value, fmt=fmt)
        self.row += 1

    # -- sections -------------------------------------------------------------

    def _title(self):
        shown = self.shown
        report = shown.report
        self._merged(shown.title, size=16, bold=True, align="center", height=30)
        generated = timezone.localtime(report.generated_at)
        self._merged(
            _("Period: %(first)s to %(last)s · generated %(when)s by %(who)s")
            % {
                "first": shown.period.start.isoformat(),
                "last": shown.period.last.isoformat(),
                "when": date_format(generated, "Y-m-d H:i"),
                "who": str(report.generated_by)
                if report.generated_by
                else _("the schedule"),
            },
            align="center",
        )

    def _key_figures(self):
        self._heading(_("Key figures"))
        self._header(
            [
                _("No."),
                _("Figure"),
                _("This period"),
                _("Previous period"),
                _("Change on previous"),
                _("Same period last year"),
                _("Change on last year"),
            ]
        )
        for number, metric in enumerate(self.shown.metrics, start=1):
            fmt = PERCENT if metric.kind == "rate" else COUNT
            previous = metric.previous if metric.has_previous else None
            last_year = metric.last_year if metric.has_last_year else None
            self._line(
                [
                    (number, None),
                    (metric.label, None),
                    (metric.value, fmt),
                    (previous, fmt),
                    (metric.change_previous_text, None),
                    (last_year, fmt),
                    (metric.change_last_year_text, None),
                ]
            )

    def _shares(self, title, first, rows, label_key):
        self._heading(title)
        self._header([_("No."), first, _("Tickets"), _("Share")])
        whole = sum(row["count"] for row in rows)
        for number, row in enumerate(rows, start=1):
            share = row["count"] / whole if whole else None
            self._line(
                [
                    (number, None),
                    (row[label_key], None),
                    (row["count"], COUNT),
                    (share, PERCENT),
                ]
            )
        self._line([("", None), (_("Total"), None), (whole, COUNT), (None, None)])

    def _ranking(self):
        shown = self.shown
        self._heading(
            _("Ranking of %(level)s") % {"level": shown.child_level or _("units")}
        )
        self._header(
            [
                _("Rank"),
                _("Unit"),
                _("Intake"),
                _("Closed"),
                _("Closed on time"),
                _("On-time completion rate"),
                _("On-time rate counting open overdue"),
                _("Open overdue at period end"),
                _("Satisfaction rate"),
            ]
        )
        rows = [(row["rank"], row["name"], row) for row in shown.children]
        if shown.held_here:
            rows.append(("", _("Held at this unit itself"), shown.held_here))
        for rank, name, row in rows:
            self._line(
                [
                    (rank, None),
                    (name, None),
                    (row["intake"], COUNT),
                    (row["closed"], COUNT),
                    (row["closed_on_time"], COUNT),
                    (row["on_time_rate"], PERCENT),
                    (row["on_time_rate_strict"], PERCENT),
                    (row["overdue_open"], COUNT),
                    (row["satisfaction_rate"], PERCENT),
                ]
            )

    def _overdue(self):
        shown = self.shown
        self._heading(_("Open overdue at period end: owners and departments"))
        self._header([_("No."), _("Owner"), _("Tickets")])
        for number, row in enumerate(shown.owners, start=1):
            self._line([(number, None), (row["name"], None), (row["count"], COUNT)])
        self._line([("", None), (_("Nobody yet"), None), (shown.unowned, COUNT)])
        self.row += 1
        self._header([_("No."), _("Department"), _("Tickets")])
        for number, row in enumerate(shown.departments, start=1):
            self._line([(number, None), (row["name"], None), (row["count"], COUNT)])

    def _hotspots(self):
        shown = self.shown
        self._heading(
            _("Repeat complaints (%(n)s times or more at one address)")
            % {"n": shown.report.figures["repeat_threshold"]}
        )
        self._header(
            [
                _("No."),
                _("Address"),
                _("Category"),
                _("Business module"),
                _("Grid"),
                _("Times"),
            ]
        )
        for number, row in enumerate(shown.hotspots, start=1):
            self._line(
                [
                    (number, None),
                    (row["address"], None),
                    (row["category"], None),
                    (row["module"], None),
                    (row["unit"], None),
                    (row["count"], COUNT),
                ]
            )
        if not shown.hotspots:
            self._line([("", None), (_("None in this period"), None)])

    def _alerts(self):
        self._heading(_("Alerts"))
        self._header([_("No."), _("Kind"), _("Raised"), _("Acknowledged")])
        for number, row in enumerate(self.shown.alerts, start=1):
            self._line(
                [
                    (number, None),
                    (row["label"], None),
                    (row["raised"], COUNT),
                    (row["acknowledged"], COUNT),
                ]
            )

    def _series(self):
        self._heading(_("Intake and closures by day"))
        self._header([_("No."), _("Day"), _("Intake"), _("Closed")])
        for number, day in enumerate(self.shown.series, start=1):
            self._line(
                [
                    (number, None),
                    (day["day"], None),
                    (day["intake"], COUNT),
                    (day["closed"], COUNT),
                ]
            )

    def _notes(self):
        self.row += 1
        for text in (
            _(
                "Closed on time: resolved no later than the deadline (the review "
                "that closes a ticket is not the handler's time)."
            ),
            _(
                "On-time rate counting open overdue: closed on time ÷ (closed + "
                "open overdue at period end)."
            ),
            _(
                "Open overdue: open with the deadline clock running at the end of "
                "the period and past the deadline; suspended tickets are not overdue."
            ),
        ):
            self._merged(text, size=9)

    def _page_setup(self):
        sheet = self.sheet
        for column, width in enumerate(WIDTHS, start=1):
            sheet.column_dimensions[get_column_letter(column)].width = width
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.orientation = "portrait"
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.print_options.horizontalCentered = True
        sheet.print_title_rows = "1:2"


def _numeral(n: int) -> str:
    """Section numbers as Chinese offices write them: 一、二、三 (to ninety-nine)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")
