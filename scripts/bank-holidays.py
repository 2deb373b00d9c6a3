#!/usr/bin/env python3
"""Writes domain/data/bank-holidays-<nation>.txt: the bank holidays of each UK nation, from the
statutory rules and the announced exceptions, for the years the service counts working days in.

The files are the data (reviewed like code, read by the domain and loaded into the database by a
migration); this script is how they were made and how to extend them. When GOV.UK announces a
special day, add it to SPECIAL below, run this, and check the diff against GOV.UK's own list.

    scripts/bank-holidays.py            # rewrite the files
    scripts/bank-holidays.py --check    # fail if the files differ from what the rules give
    scripts/bank-holidays.py --sql      # the INSERTs a migration loads them with

A new list or a new special day reaches the database through a new migration that inserts the
new days and recomputes `reasonable_grounds_due_on` of referrals still awaiting a decision
(persistence/tests/calendar.rs fails until the table and the files agree).
"""
import datetime as dt
import pathlib
import sys

FIRST_YEAR, LAST_YEAR = 2000, 2028
NATIONS = ("england-and-wales", "scotland", "northern-ireland")
D = dt.date
ONE = dt.timedelta(days=1)


def easter(year):
    # Anonymous Gregorian algorithm (Meeus/Jones/Butcher).
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l) // 451
    month = (h + l - 7 * m + 114) // 31
    day = (h + l - 7 * m + 114) % 31 + 1
    return D(year, month, day)


def first_monday(year, month):
    day = D(year, month, 1)
    while day.weekday() != 0:
        day += ONE
    return day


def last_monday(year, month):
    day = D(year + (month == 12), month % 12 + 1, 1) - ONE
    while day.weekday() != 0:
        day -= ONE
    return day


def next_weekday(day, taken):
    """The day itself, or the first weekday after it not already a holiday (substitute days)."""
    while day.weekday() >= 5 or day in taken:
        day += ONE
    return day


def pair(first, second, taken):
    """Two consecutive holidays (25 and 26 December; 1 and 2 January in Scotland), each moved to
    the next free weekday when it falls on a weekend."""
    a = next_weekday(first, taken)
    b = next_weekday(second if second.weekday() < 5 else second, taken | {a})
    if b == a:
        b = next_weekday(a + ONE, taken | {a})
    return a, b


# Announced exceptions: (date, nations, what). Moved days are listed in MOVED.
SPECIAL = [
    (D(2002, 6, 3), NATIONS, "Golden Jubilee"),
    (D(2011, 4, 29), NATIONS, "Royal wedding"),
    (D(2012, 6, 5), NATIONS, "Diamond Jubilee"),
    (D(2022, 6, 3), NATIONS, "Platinum Jubilee"),
    (D(2022, 9, 19), NATIONS, "State funeral of Queen Elizabeth II"),
    (D(2023, 5, 8), NATIONS, "Coronation of King Charles III"),
]
# (year, which, moved to): the spring holiday moved for the jubilees, the early May one for VE Day.
MOVED = {
    (2002, "spring"): D(2002, 6, 4),
    (2012, "spring"): D(2012, 6, 4),
    (2020, "early may"): D(2020, 5, 8),
    (2022, "spring"): D(2022, 6, 2),
}


def holidays(year, nation):
    days = set()
    if nation == "scotland":
        days.update(pair(D(year, 1, 1), D(year, 1, 2), set()))
    else:
        days.add(next_weekday(D(year, 1, 1), set()))
    if nation == "northern-ireland":
        days.add(next_weekday(D(year, 3, 17), days))
    e = easter(year)
    days.add(e - 2 * ONE)
    if nation != "scotland":
        days.add(e + ONE)
    days.add(MOVED.get((year, "early may"), first_monday(year, 5)))
    days.add(MOVED.get((year, "spring"), last_monday(year, 5)))
    if nation == "northern-ireland":
        days.add(next_weekday(D(year, 7, 12), days))
    days.add(first_monday(year, 8) if nation == "scotland" else last_monday(year, 8))
    if nation == "scotland" and year >= 2007:
        days.add(next_weekday(D(year, 11, 30), days))
    days.update(pair(D(year, 12, 25), D(year, 12, 26), days))
    days.update(day for day, nations, _ in SPECIAL if day.year == year and nation in nations)
    return sorted(days)


CHECKED = {
    "england-and-wales": "# 2019-2027 are the days GOV.UK published; other years follow the rules.",
    "scotland": "# Not checked against a published list: follows the rules (2 January, first Monday of August, St Andrew's Day).",
    "northern-ireland": "# Not checked against a published list: follows the rules (St Patrick's Day, Battle of the Boyne).",
}


def text(nation):
    title = nation.replace("-", " ").title().replace(" And ", " and ")
    lines = [
        f"# Bank holidays in {title}, one ISO date a line.",
        f"# covers {FIRST_YEAR}-01-01 {LAST_YEAR}-12-31",
        "# Made by scripts/bank-holidays.py from the statutory rules and the announced special days.",
        CHECKED[nation],
        "# Extend before the last year ends (a test and the readiness check warn a year ahead).",
    ]
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        lines.extend(day.isoformat() for day in holidays(year, nation))
    return "\n".join(lines) + "\n"


def sql():
    rows = []
    for nation in NATIONS:
        key = nation.upper().replace("-", "_")
        days = [day for year in range(FIRST_YEAR, LAST_YEAR + 1) for day in holidays(year, nation)]
        rows.append(
            f"INSERT INTO bank_holiday_coverage (nation, first_day, last_day) VALUES "
            f"('{key}', '{FIRST_YEAR}-01-01', '{LAST_YEAR}-12-31');"
        )
        for start in range(0, len(days), 8):
            values = ", ".join(f"('{key}', '{day.isoformat()}')" for day in days[start:start + 8])
            rows.append(f"INSERT INTO bank_holidays (nation, day) VALUES {values};")
    return "\n".join(rows) + "\n"


def main():
    if "--sql" in sys.argv[1:]:
        sys.stdout.write(sql())
        return
    root = pathlib.Path(__file__).resolve().parent.parent / "domain" / "data"
    check = "--check" in sys.argv[1:]
    stale = []
    for nation in NATIONS:
        path = root / f"bank-holidays-{nation}.txt"
        wanted = text(nation)
        if check:
            if not path.exists() or path.read_text() != wanted:
                stale.append(str(path))
        else:
            path.write_text(wanted)
    if stale:
        sys.exit("out of date with the rules: " + ", ".join(stale))


if __name__ == "__main__":
    main()
