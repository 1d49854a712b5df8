"""The dues statement of a collecting organization for a month, as a workbook
(``core/xlsx``: text that looks like a formula stays text)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from liudong.core import xlsx
from liudong.cycle.queries import Statement


def workbook(found: Statement) -> bytes:
    book = xlsx.workbook()
    sheet = book.active
    sheet.title = f"{found.month:%Y-%m}"
    sheet.append(
        xlsx.row(
            sheet, [found.organization.name, _("Party dues statement"), f"{found.month:%Y-%m}"]
        )
    )
    sheet.append([])
    sheet.append(
        xlsx.row(
            sheet,
            [
                _("Member"),
                _("category"),
                _("monthly base (yuan)"),
                _("monthly dues (yuan)"),
                _("Paid for the month"),
                _("receipt number"),
                _("Months owed"),
            ],
        )
    )
    for row in found.rows:
        setting, payment = row["setting"], row["payment"]
        sheet.append(
            xlsx.row(
                sheet,
                [
                    row["member"].name,
                    setting.get_category_display(),
                    setting.base,
                    setting.monthly_amount,
                    _("Yes") if payment else _("No"),
                    payment.receipt_number if payment else "",
                    row["owed"],
                ],
            )
        )
    sheet.append(xlsx.row(sheet, [_("Total due"), "", "", found.due_total, "", "", ""]))
    sheet.append(xlsx.row(sheet, [_("Total paid for the month"), "", "", found.paid_total]))
    sheet.append(xlsx.row(sheet, [_("Outstanding"), "", "", found.outstanding_total]))
    sheet.append([])
    sheet.append(xlsx.row(sheet, [_("Payments received in the month")]))
    sheet.append(
        xlsx.row(
            sheet,
            [
                _("paid on"),
                _("receipt number"),
                _("Member"),
                _("first month"),
                _("months"),
                _("amount (yuan)"),
            ],
        )
    )
    for p in found.received:
        sheet.append(
            xlsx.row(
                sheet,
                [
                    p.paid_on,
                    p.receipt_number,
                    p.member.name,
                    f"{p.first_month:%Y-%m}",
                    p.months,
                    p.amount,
                ],
            )
        )
    sheet.append(xlsx.row(sheet, [_("Total received"), "", "", "", "", found.received_total]))
    for column, width in zip("ABCDEFG", (18, 24, 16, 16, 14, 18, 12), strict=True):
        sheet.column_dimensions[column].width = width
    return xlsx.save(book)
