#!/usr/bin/python3
"""Independent reader for the register's exports, used by the C++ tests.

Reads an XLSX file with openpyxl or a CSV file with Python's csv module and
prints what it found as JSON on stdout:
  xlsx: {"sheets": [names], "cells": {sheet: [[value, ...], ...]},
         "types": {sheet: [[type, ...], ...]}}
  csv:  {"bom": bool, "rows": [[text, ...], ...]}
Dates become YYYY-MM-DD strings; numbers stay numbers. Must run with
Debian's /usr/bin/python3 (python3-openpyxl).
"""
import csv
import datetime
import io
import json
import sys


def dump_xlsx(path):
    import openpyxl  # python3-openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    out = {"sheets": book.sheetnames, "cells": {}, "types": {}}
    for sheet in book.worksheets:
        rows, types = [], []
        for row in sheet.iter_rows():
            values, kinds = [], []
            for cell in row:
                v = cell.value
                if isinstance(v, datetime.datetime):
                    v = v.date().isoformat()
                    kinds.append("date")
                elif isinstance(v, (int, float)) and not isinstance(v, bool):
                    kinds.append("number")
                elif v is None:
                    kinds.append("empty")
                else:
                    kinds.append("string")
                values.append(v)
            rows.append(values)
            types.append(kinds)
        out["cells"][sheet.title] = rows
        out["types"][sheet.title] = types
    return out


def dump_csv(path):
    with open(path, "rb") as f:
        raw = f.read()
    bom = raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return {"bom": bom, "rows": rows}


def main():
    kind, path = sys.argv[1], sys.argv[2]
    out = dump_xlsx(path) if kind == "xlsx" else dump_csv(path)
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
