#!/usr/bin/env python3
"""Cost of matching the package catalogue against the software dictionary
(docs/performance.md, "Software dictionary matching").

  D=$(mktemp -d); build/collector/mamori-collector init --data $D --org b
  build/collector/mamori-collector software rules --data $D --org b  # syncs
  python3 bench/software_match_bench.py $D/collector.db

On a copy of that migrated database (the software module's trigger on
`packages` and the dictionary in place) it inserts N new catalogue rows in
one transaction, as a first report with N unknown packages does, with the
trigger and again with it dropped, and re-matches a catalogue of M rows as a
dictionary change does. It prints the process CPU time of each step.
"""
import os
import shutil
import sqlite3
import sys
import tempfile
import time

N = int(os.environ.get("N", "1500"))
M = int(os.environ.get("M", "50000"))
ROUNDS = int(os.environ.get("ROUNDS", "5"))


def names(prefix, count):
    # Mostly Debian-like names and Windows display names that match nothing,
    # one in fifty a dictionary title.
    titles = ["TeamViewer", "Google Chrome", "7-Zip 23.01 (x64)", "zoom",
              "libreoffice-core", "firefox-esr"]
    out = []
    for i in range(count):
        if i % 50 == 0:
            out.append(f"{titles[i // 50 % len(titles)]}")
        elif i % 2:
            out.append(f"lib{prefix}{i}-component")
        else:
            out.append(f"Vendor {prefix} Application {i} (x64)")
    return out


def insert(db, prefix, count):
    start = time.process_time()
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO packages (name, version, architecture, source, publisher)"
        " VALUES (?, ?, 'amd64', 'PACKAGE_SOURCE_DPKG', 'Maintainer')",
        [(n, f"1.{i}+{prefix}") for i, n in enumerate(names(prefix, count))])
    db.execute("COMMIT")
    return time.process_time() - start


def main():
    source = sys.argv[1]
    work = tempfile.mkdtemp()
    try:
        path = os.path.join(work, "c.db")
        shutil.copy(source, path)
        db = sqlite3.connect(path, isolation_level=None)
        patterns = db.execute("SELECT count(*) FROM software_patterns").fetchone()[0]
        if patterns == 0:
            sys.exit("the dictionary is not synced: run `software rules` first")
        print(f"patterns={patterns} N={N} M={M} rounds={ROUNDS}")
        with_trigger = [insert(db, f"t{r}", N) for r in range(ROUNDS)]
        matched = db.execute("SELECT count(*) FROM software_matches").fetchone()[0]
        trigger_sql = db.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'software_match_new'").fetchone()[0]
        db.execute("DROP TRIGGER software_match_new")
        without = [insert(db, f"n{r}", N) for r in range(ROUNDS)]
        db.execute(trigger_sql)
        per = lambda xs: sorted(xs)[len(xs) // 2] * 1000
        print(f"insert {N} new packages: with trigger {per(with_trigger):.1f} ms CPU, "
              f"without {per(without):.1f} ms CPU (median of {ROUNDS}); "
              f"{matched} rows matched")
        insert(db, "m", max(0, M - db.execute("SELECT count(*) FROM packages").fetchone()[0]))
        total = db.execute("SELECT count(*) FROM packages").fetchone()[0]
        start = time.process_time()
        db.execute("BEGIN")
        db.execute("DELETE FROM software_matches")
        db.execute(r"""INSERT OR IGNORE INTO software_matches (package_id, title_id)
            SELECT p.id, sp.title_id FROM packages p, software_patterns sp
             WHERE sp.first_char IN (lower(substr(p.name, 1, 1)), '')
               AND p.name LIKE sp.name_like ESCAPE '\'
               AND (sp.publisher_like IS NULL
                    OR p.publisher LIKE sp.publisher_like ESCAPE '\')""")
        db.execute("COMMIT")
        print(f"re-match a catalogue of {total} packages: "
              f"{(time.process_time() - start) * 1000:.0f} ms CPU")
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
