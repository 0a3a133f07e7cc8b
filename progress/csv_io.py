"""Milestones as CSV, for bulk updates from a spreadsheet: writing an export and reading an upload.

The export re-imports unchanged. It starts with a byte order mark so that Excel opens Korean and
Japanese text as UTF-8; reading accepts files with or without one. Cells that a spreadsheet would
run as a formula (starting with ``=``, ``+``, ``-``, ``@``) are written with a leading apostrophe,
which reading takes off again.

Reading only parses: every cell of every row is checked and all problems are returned together,
with spreadsheet row numbers (the header is row 1). What needs the database (does the proposal
exist? does the milestone?) is checked by ``services.milestones_import``.
"""

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.text import normalise_newlines
from proposals.models import Stage

from .models import Jurisdiction, Milestone, MilestoneStatus

# The brief's column order: English first, then Korean and Japanese, as moderators fill them in.
TEXT_LANGUAGES = ("en", "ko", "ja")
COLUMNS = (
    "id",
    "proposal",
    "date",
    "stage",
    "jurisdiction",
    "institution",
    *(f"title_{code}" for code in TEXT_LANGUAGES),
    *(f"description_{code}" for code in TEXT_LANGUAGES),
    "evidence_url",
    "evidence_reference",
    "evidence_quote",
    "next_review_on",
    "status",
)
# Plain text columns, copied as they are (after trimming).
TEXT_COLUMNS = (
    "institution",
    *(f"title_{code}" for code in TEXT_LANGUAGES),
    *(f"description_{code}" for code in TEXT_LANGUAGES),
    "evidence_url",
    "evidence_reference",
    "evidence_quote",
)
# Full-width forms too: spreadsheets read "＝1+1" as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
MAX_ROWS = 5000
BOM = "\ufeff"
# ISO dates, and the forms Excel writes back in Japanese and Korean locales (2025/4/1, 2025. 4. 1.).
DATE_PATTERN = re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})\.?$")


@dataclass(frozen=True)
class RowProblem:
    """One reason a file is refused. ``row`` is the spreadsheet row (None: the whole file)."""

    row: int | None
    column: str
    message: str | Promise


@dataclass
class ParsedRow:
    """One data row. ``values`` holds the cells that parsed (typed); ``ok`` is False if any did not."""

    number: int
    values: dict = field(default_factory=dict)
    ok: bool = True


# --- Export --------------------------------------------------------------------------------------


def milestones_to_csv(milestones: Iterable[Milestone]) -> str:
    """The CSV text (with a byte order mark) for ``milestones``; each needs its proposal loaded."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for milestone in milestones:
        writer.writerow([_cell(milestone, column) for column in COLUMNS])
    return out.getvalue()


def _cell(milestone: Milestone, column: str) -> str:
    if column == "id":
        return str(milestone.pk)
    if column == "proposal":
        return milestone.proposal.slug
    if column in ("date", "next_review_on"):
        value = getattr(milestone, column)
        return value.isoformat() if value else ""
    value = getattr(milestone, column) or ""
    if column in TEXT_COLUMNS and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# --- Import --------------------------------------------------------------------------------------


def parse_milestones_csv(data: bytes) -> tuple[list[ParsedRow], list[RowProblem]]:
    """Parse an uploaded file into rows of typed values and the problems found in its cells."""
    try:
        text = data.decode("utf-8-sig")  # takes off a byte order mark if there is one
    except UnicodeDecodeError:
        return [], [
            RowProblem(
                None,
                "",
                _("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8 (comma delimited)”."),
            )
        ]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in (reader.fieldnames or [])]
    except csv.Error:
        return [], [RowProblem(1, "", _("The header row could not be read as CSV."))]
    if not header:
        return [], [RowProblem(None, "", _("The file is empty."))]
    reader.fieldnames = header
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        return [], [
            RowProblem(
                1,
                "",
                _("These columns are missing: %(columns)s.") % {"columns": ", ".join(missing)},
            )
        ]
    rows: list[ParsedRow] = []
    problems: list[RowProblem] = []
    try:
        for number, record in enumerate(reader, start=2):
            if len(rows) >= MAX_ROWS:
                problems.append(
                    RowProblem(number, "", _("A file may have at most %(count)d rows.") % {"count": MAX_ROWS})
                )
                break
            if _is_blank(record):
                continue  # spreadsheets often leave empty rows at the end
            rows.append(_parse_row(number, record, problems))
    except csv.Error as error:
        problems.append(
            RowProblem(reader.line_num, "", _("This row is not valid CSV: %(error)s") % {"error": error})
        )
    return rows, problems


def _is_blank(record: dict) -> bool:
    return all(not (value or "").strip() for key, value in record.items() if key is not None)


def _parse_row(number: int, record: dict, problems: list[RowProblem]) -> ParsedRow:
    row = ParsedRow(number=number)

    def refuse(column: str, message) -> None:
        row.ok = False
        problems.append(RowProblem(number, column, message))

    if record.get(None):  # DictReader files surplus cells under None
        refuse("", _("This row has more cells than the header has columns."))
    cells = {column: (record.get(column) or "").strip() for column in COLUMNS}

    if cells["id"]:
        if cells["id"].isascii() and cells["id"].isdigit() and int(cells["id"]) > 0:
            row.values["id"] = int(cells["id"])
        else:
            refuse("id", _("Enter the milestone's number, or leave it empty for a new milestone."))
    else:
        row.values["id"] = None

    if cells["proposal"]:
        row.values["proposal"] = cells["proposal"]
    else:
        refuse("proposal", _("Enter the proposal's slug."))

    for column, required in (("date", True), ("next_review_on", False)):
        if not cells[column]:
            if required:
                refuse(column, _("Enter a date as YYYY-MM-DD."))
            else:
                row.values[column] = None
            continue
        parsed = parse_date(cells[column])
        if parsed is None:
            refuse(column, _("“%(value)s” is not a date. Use YYYY-MM-DD.") % {"value": cells[column]})
        else:
            row.values[column] = parsed

    choices = (
        ("stage", Stage.values, str.lower),
        ("jurisdiction", Jurisdiction.values, str.upper),
        ("status", MilestoneStatus.values, str.lower),
    )
    for column, allowed, normalise in choices:
        value = normalise(cells[column])
        if value in allowed:
            row.values[column] = value
        else:
            refuse(
                column,
                _("“%(value)s” is not one of: %(allowed)s.")
                % {"value": cells[column], "allowed": ", ".join(allowed)},
            )

    for column in TEXT_COLUMNS:
        value = cells[column]
        if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
            value = value[1:]
        row.values[column] = normalise_newlines(value)
    return row


def parse_date(value: str) -> dt.date | None:
    match = DATE_PATTERN.match(value.strip())
    if not match:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None
