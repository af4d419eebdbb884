#!/usr/bin/env python3
"""Writes the messy tracker test files (issue 14), with the standard library only, so they can be made again.

The same tracker twice: Tests/RegisterServerTests/Fixtures/messy-tracker.csv (UTF-8 with a byte-order mark,
Windows line endings, blank rows, trailing spaces, a group header over the date columns, dates typed as text
in every form people use) and messy-tracker.xlsx (dates as serial numbers with a date format, shared and
inline strings, merged title and group header cells, a hidden column, a second sheet).

    python3 scripts/make-tracker-fixtures.py
"""
import csv
import datetime
import io
import os
import zipfile
from xml.sax.saxutils import escape

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "RegisterServerTests", "Fixtures")


def d(y, m, day, text):
    """A date: the CSV gets `text` as typed, the workbook its serial number."""
    return ("date", datetime.date(y, m, day), text)


TITLE = ["Coventry LSCB multi-agency action plan  "]
GROUP = ["", "", "", "", "", "", "", "Date", "", "", "", "", "", ""]
HEADERS = ["Review Ref ", "Review title", "Rec. No.", "Recommendation", "Action", "Lead Agency", "Lead officer",
           "Target", "Revised", "RAG", "Latest update", "Evidence", "Date completed", "Internal notes"]
ROWS = [
    ["SCR-2017-01", "Child A ", "1", "Agencies share information about missing episodes.",
     "Write a joint missing-episodes protocol", "West Midlands Police ", "DI Patel",
     d(2026, 3, 31, "31/03/2026"), "", "Complete", "Protocol agreed at the board", "", d(2026, 2, 28, "28/02/2026"), "chased twice"],
    ["SCR-2017-01", "Child A", "1", "Agencies share information about missing episodes.",
     "Train front-line staff on the protocol", "coventry & rugby ICB", "Dr Jones",
     d(2026, 3, 31, "31-Mar-26"), d(2026, 6, 30, "30 June 2026"), "On track", "Two of four sessions held ", "", "", ""],
    [],
    ["SCR-2017-01", "Child A", "2", "Schools record the voice of the child in every referral.",
     "Audit twenty referrals", "Coventry City Council", "", d(2026, 3, 31, "2026-03-31"), "", "Delayed",
     "Auditor on leave; audit restarts in April", "", "", ""],
    ["LCSPR-2021-02", "Children LA-LH", "1", "The partnership checks that escalation works.",
     "Run an escalation audit", "Coventry Youth Club", "Sam Green", d(2026, 3, 31, "March 2026"), "", "green", "Audit planned", "", "", "not in the register yet"],
    ["", "", "", "", "", "", "", "", "", "", "", "", "", ""],
    ["LCSPR-2021-02", "Children LA-LH", "2", "Health visitors ask about domestic abuse at every contact.",
     "Add routine enquiry to the contact template", "West Midlands Police.", "", d(2025, 12, 31, "31 December 2025"), "", "Blue",
     "", "Template v3 (on SharePoint)", d(2025, 12, 1, "1 December 2025"), ""],
]
ARCHIVE_HEADERS = ["Reference", "Rec number", "Recommendation", "Agency", "Due by", "Status"]
ARCHIVE_ROWS = [
    ["DHR-2019-04", "1", "Refresh the MARAC referral form.", "West Midlands Police", d(2020, 3, 31, "31/03/2020"), "Complete"],
]

CSV_ROWS = [TITLE, [], GROUP, HEADERS] + ROWS


def text(cell):
    if isinstance(cell, tuple):
        return cell[2]
    return cell


def write_csv():
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in CSV_ROWS:
        writer.writerow([text(c) for c in row])
    with open(os.path.join(OUT, "messy-tracker.csv"), "wb") as f:
        f.write(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))


def column_letter(index):
    out = ""
    index += 1
    while index:
        index, r = divmod(index - 1, 26)
        out = chr(65 + r) + out
    return out


def serial(day):
    # The 1900 date system, counting Excel's fictitious 29 February 1900 (so 1899-12-30 is day 0).
    return (day - datetime.date(1899, 12, 30)).days


class Strings:
    def __init__(self):
        self.items = []

    def index(self, value):
        if value not in self.items:
            self.items.append(value)
        return self.items.index(value)


def sheet_xml(rows, strings, hidden=(), merges=(), inline_columns=()):
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
           '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
           'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">']
    if hidden:
        out.append("<cols>" + "".join(f'<col min="{c + 1}" max="{c + 1}" width="20" hidden="1" customWidth="1"/>' for c in hidden) + "</cols>")
    out.append("<sheetData>")
    for number, row in rows:
        cells = []
        for index, cell in enumerate(row):
            ref = f"{column_letter(index)}{number}"
            if isinstance(cell, tuple):
                cells.append(f'<c r="{ref}" s="1"><v>{serial(cell[1])}</v></c>')
            elif cell == "":
                continue
            elif index in inline_columns:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(cell)}</t></is></c>')
            else:
                cells.append(f'<c r="{ref}" t="s"><v>{strings.index(cell)}</v></c>')
        out.append(f'<row r="{number}">' + "".join(cells) + "</row>")
    out.append("</sheetData>")
    if merges:
        out.append(f'<mergeCells count="{len(merges)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in merges) + "</mergeCells>")
    out.append("</worksheet>")
    return "".join(out)


def write_xlsx():
    strings = Strings()
    # Row numbers as a person sees them: the title on 1, a blank row 2, the group header 3, headers 4.
    numbered = [(1, TITLE), (3, GROUP), (4, HEADERS)]
    number = 5
    for row in ROWS:
        if row:
            numbered.append((number, row))
        number += 1
    sheet1 = sheet_xml(numbered, strings, hidden=(13,), merges=("A1:N1", "H3:I3"), inline_columns=(4,))
    archive = [(1, ARCHIVE_HEADERS)] + [(i + 2, r) for i, r in enumerate(ARCHIVE_ROWS)]
    sheet2 = sheet_xml(archive, strings)
    shared = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(strings.items)}" uniqueCount="{len(strings.items)}">'
              + "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in strings.items) + "</sst>")
    styles = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy;@"/></numFmts>'
              '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
              '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
              '<borders count="1"><border/></borders>'
              '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
              '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
              '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
              "</styleSheet>")
    workbook = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                '<sheets><sheet name="Action plan" sheetId="1" r:id="rId1"/><sheet name="Archive 2019" sheetId="2" r:id="rId2"/></sheets>'
                "</workbook>")
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/>'
            '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
            '<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>")
    types = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
             '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
             '<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
             '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
             '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
             "</Types>")
    root_rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                 '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                 '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                 "</Relationships>")
    path = os.path.join(OUT, "messy-tracker.xlsx")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in [("[Content_Types].xml", types), ("_rels/.rels", root_rels), ("xl/workbook.xml", workbook),
                           ("xl/_rels/workbook.xml.rels", rels), ("xl/styles.xml", styles), ("xl/sharedStrings.xml", shared),
                           ("xl/worksheets/sheet1.xml", sheet1), ("xl/worksheets/sheet2.xml", sheet2)]:
            # A fixed time, so the file is the same byte for byte each time it is made.
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, body)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    write_csv()
    write_xlsx()
