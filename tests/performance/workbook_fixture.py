"""A generated import workbook (openpyxl): 300 vendors with their named owners, contracts (master
agreements, and statements of work under them by reference), certifications, and a few bad rows spread
over the sheets — for the import engine's tests and the browser test of a newcomer's first import.

``workbook_bytes()`` returns the XLSX and what a correct import makes of it (``WorkbookPlan``). The bad
rows are chosen so that nothing else depends on them: the refused vendors have no contracts nor
certificates, the refused contracts no statements of work."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from openpyxl import Workbook

VENDOR_HEADER = [
    "name",
    "country",
    "geography",
    "timezone_overlap_hours",
    "tier",
    "currency",
    "engineering_owner",
    "delivery_owner",
    "security_contact",
]
CONTRACT_HEADER = [
    "vendor",
    "title",
    "reference",
    "parent",
    "engagement_model",
    "start_date",
    "end_date",
    "value",
    "currency",
]
CERTIFICATION_HEADER = ["vendor", "kind", "name", "issued_on", "expires_on"]
OWNERS = ("wb.engineering", "wb.delivery", "wb.security")


@dataclass
class WorkbookPlan:
    vendors: int = 0
    contracts: int = 0
    certifications: int = 0
    # Every refused row: (sheet, row number in the sheet, column the reason names).
    bad_rows: list[tuple[str, int, str]] = field(default_factory=list)
    refused_names: list[str] = field(default_factory=list)  # vendor names, contract references, … never written

    @property
    def valid_rows(self) -> int:
        return self.vendors + self.contracts + self.certifications


def vendor_name(number: int) -> str:
    return f"Vendor {number:03d} Sp. z o.o."


def workbook_bytes(vendors: int = 300, certified: int = 100) -> tuple[bytes, WorkbookPlan]:
    """The workbook: ``vendors`` vendor rows (2 of them bad), a master agreement per vendor and a
    statement of work under every second one (2 contract rows bad), ``certified`` certificates
    (2 bad)."""
    plan = WorkbookPlan()
    book = Workbook()
    sheet = book.active
    sheet.title = "Vendors"
    sheet.append(VENDOR_HEADER)
    bad_vendors = {vendors - 10: ("country", "Narnia"), vendors - 5: ("timezone_overlap_hours", "=2+2")}
    for number in range(1, vendors + 1):
        row = {
            "name": vendor_name(number),
            "country": "PL" if number % 3 else "Portugal",
            "geography": ("nearshore", "offshore", "onshore")[number % 3],
            "timezone_overlap_hours": 6 if number % 2 else 7.5,
            "tier": ("tier_1", "tier_2", "tier_3")[number % 3],
            "currency": "eur" if number % 4 == 0 else "EUR",
            "engineering_owner": OWNERS[0],
            "delivery_owner": OWNERS[1],
            "security_contact": OWNERS[2],
        }
        if number in bad_vendors:
            column, cell = bad_vendors[number]
            row[column] = cell
            plan.bad_rows.append(("Vendors", number + 1, column))
            plan.refused_names.append(row["name"])
        else:
            plan.vendors += 1
        sheet.append([row[name] for name in VENDOR_HEADER])

    contracts = book.create_sheet("Contracts")
    contracts.append(CONTRACT_HEADER)
    good = [number for number in range(1, vendors + 1) if number not in bad_vendors]
    line = 1
    for index, number in enumerate(good):
        msa = f"MSA-WB-{number:03d}"
        line += 1
        bad = index in (7, 11)  # two masters refused; no statement of work hangs on them
        contracts.append(
            [
                vendor_name(number) if index != 7 else "No Such Vendor Ltd",
                f"Master services agreement {number:03d}",
                msa,
                "",
                "managed_services",
                "2026-01-01",
                "2026-12-31",
                "abc" if index == 11 else 120000 + number,
                "EUR",
            ]
        )
        if bad:
            plan.bad_rows.append(("Contracts", line, "vendor" if index == 7 else "value"))
            plan.refused_names.append(msa)
            continue
        plan.contracts += 1
        if index % 2 == 0:
            line += 1
            contracts.append(
                [
                    vendor_name(number),
                    f"Statement of work {number:03d}",
                    f"SOW-WB-{number:03d}",
                    msa,
                    "project_based",
                    "2026-02-01",
                    "2026-06-30",
                    20000 + number,
                    "EUR",
                ]
            )
            plan.contracts += 1

    certifications = book.create_sheet("Certifications")
    certifications.append(CERTIFICATION_HEADER)
    for index, number in enumerate(good[:certified]):
        kind = ("iso27001", "soc2_type2")[index % 2]
        issued, expires = "2025-06-01", "2027-05-31"
        bad_column = ""
        if index == 20:
            kind, bad_column = "iso99999", "kind"
        if index == 40:
            expires, bad_column = "2024-01-01", "expires_on"
        certifications.append([vendor_name(number), kind, "", issued, expires])
        if bad_column:
            plan.bad_rows.append(("Certifications", index + 2, bad_column))
        else:
            plan.certifications += 1
    book.create_sheet("Notes").append(["This sheet is skipped by the import."])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), plan
