"""Writes seed/measure_values.csv: ILLUSTRATIVE monthly values, April 2015 to January 2016.

Run it from the repository root after changing the design below:
    PYTHONPATH=. python seed/generate_measure_values.py
It checks, through the tracker's own status rules, that every measure lands in the status it
is designed for in quarters 2 and 3 of 2015/16: quarter 3 reproduces Appendix A of the scrutiny
report (February 2016), and quarter 2 has more measures outside tolerance, as section 7.6 says.
The figures and narratives are made up; no child-level data.
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import yaml

from tracker.domain.measures import (
    Basis,
    MonthValue,
    Polarity,
    Status,
    Unit,
    add_months,
    period_label,
    plain,
    quarter_value,
    ratio,
    status,
    target_for,
)

HERE = Path(__file__).resolve().parent
FIRST, LAST = date(2015, 4, 1), date(2016, 1, 1)
ON, IN, OFF, NTS = "ON", "IN", "OFF", "NTS"
STATUS = {
    ON: Status.ON_TARGET,
    IN: Status.IN_TOLERANCE,
    OFF: Status.OFF_TARGET,
    NTS: Status.NO_TARGET_SET,
}

# code: (cohort a month, level in Q1, Q2, Q3, January, expected status in Q2, Q3). A level is
# the quarter's figure; months wobble around it. Cohort is None where values carry no
# numerator and denominator.
DESIGN: dict[str, tuple] = {
    "A1": (3400, 20.4, 19.8, 19.1, 19.0, ON, ON),
    "A2": (210, 79.0, 72.0, 80.5, 83.0, OFF, IN),
    "A4": (330, 14.0, 17.0, 12.5, 11.0, OFF, IN),
    "A5": (420, 17.5, 18.0, 17.2, 16.8, IN, IN),
    "A6": (380, 4.1, 3.6, 3.1, 3.0, ON, ON),
    "A7": (860, 98.6, 99.2, 99.5, 99.6, ON, ON),
    "A30": (1450, 93.0, 94.0, 96.0, 96.5, IN, ON),
    "A31": (260, 84.0, 87.0, 88.5, 90.5, IN, IN),
    "A32": (210, 41.0, 44.0, 47.0, 49.0, NTS, NTS),
    "A33": (70, 82.0, 83.5, 88.0, 90.0, OFF, IN),
    "A34": (45, 78.0, 80.0, 86.0, 87.0, IN, ON),
    "A35": (140, 97.0, 98.2, 98.6, 98.9, ON, ON),
    "A36": (None, 402, 388, 371, 366, NTS, NTS),
    "A37": (45, 84.0, 86.0, 88.0, 91.0, IN, IN),
    "A38": (95, 78.0, 82.0, 86.0, 88.0, IN, IN),
    "A39": (1200, 86.0, 88.0, 91.0, 92.0, IN, ON),
    "A40": (110, 76.0, 81.0, 85.0, 86.0, IN, IN),
    "B8": (14, 214, 196, 176, 171, IN, ON),
    "B9": (160, 63.5, 64.2, 65.4, 65.9, IN, IN),
    "B10": (470, 11.2, 11.5, 10.9, 10.6, IN, IN),
    "B11": (115, 88.0, 89.5, 92.2, 92.6, IN, ON),
    "B12": (115, 37.0, 38.0, 42.1, 43.0, OFF, IN),
    "B30": (390, 86.0, 88.0, 91.0, 91.5, IN, ON),
    "B31": (22, 68.0, 72.0, 78.0, 81.0, IN, IN),
    "B32": (300, 91.0, 90.5, 93.0, 94.0, IN, IN),
    "B33": (150, 94.0, 95.5, 96.5, 97.0, ON, ON),
    "B34": (470, 15.5, 15.8, 14.2, 13.8, OFF, IN),
    "B35": (340, 67.0, 66.0, 66.5, 67.0, IN, IN),
    "B36": (None, 560, 530, 505, 498, IN, IN),
    "B37": (140, 88.0, 91.0, 95.8, 96.0, IN, ON),
    "B38": (30, 82.0, 84.0, 86.0, 88.0, IN, IN),
    "B39": (None, 468, 472, 475, 478, NTS, NTS),
    "B40": (140, 93.0, 94.5, 96.0, 96.0, IN, ON),
    "C13": (None, 14.0, 13.0, 11.5, 11.0, IN, ON),
    "C14": (None, 18.5, 17.0, 13.2, 12.5, OFF, IN),
    "C15": (None, 27.0, 25.5, 24.0, 23.5, ON, ON),
    "C16": (None, 74.0, 78.0, 83.0, 85.0, NTS, NTS),
    "C30": (None, 16.0, 14.0, 11.0, 10.0, IN, IN),
    "C31": (None, 10.2, 9.8, 9.4, 9.3, IN, IN),
    "C32": (None, 16.5, 15.5, 14.2, 14.0, IN, ON),
    "C33": (None, 71.0, 75.0, 80.0, 82.0, NTS, NTS),
    "C34": (None, 81.0, 88.0, 93.0, 95.0, IN, IN),
    "C35": (None, 84.0, 86.0, 91.0, 92.0, IN, ON),
    "C36": (None, 79.0, 81.0, 84.0, 85.5, IN, IN),
    "C37": (None, 38.0, 44.0, 52.0, 55.0, NTS, NTS),
}
# Quarterly finance measures: the value at the end of Q1, Q2 and Q3 (pounds or days).
FINANCE: dict[str, tuple] = {
    "D17a": (180000, 420000, 1150000, IN, OFF),
    "D17b": (40000, 150000, 310000, ON, ON),
    "D17c": (240000, 360000, 1640000, IN, OFF),
    "D17d": (21, 19, 24, ON, ON),
    "D17e": (1850000, 1920000, 2100000, ON, ON),
    "D18": (-220000, -350000, -490000, ON, ON),
    "D19": (35000, -12000, 48000, NTS, NTS),
    "D21": (410000, 820000, 1260000, NTS, NTS),
    "D30": (90000, 110000, 95000, IN, IN),
    "D31": (310000, 450000, 580000, IN, IN),
    "D32": (150000, 240000, 350000, IN, IN),
    "D33": (60000, 120000, 190000, ON, ON),
    "D34": (38, 33, 28, IN, ON),
    "D35": (91.0, 93.5, 95.2, IN, ON),
}
# A3 by hand: 81% in quarter 2, 87% in quarter 3, 97% in December, up every month since August.
A3 = {
    "2015-04": (25, 30),
    "2015-05": (27, 31),
    "2015-06": (29, 34),
    "2015-07": (25, 28),
    "2015-08": (23, 30),
    "2015-09": (33, 42),
    "2015-10": (24, 30),
    "2015-11": (26, 32),
    "2015-12": (37, 38),
    "2016-01": (40, 45),
}
A3_NARRATIVE = {
    "2015-08": "Audit grading thresholds were revised over the summer and applied more rigorously, "
    "so fewer files met requires improvement or better.",
    "2015-12": "Quarter 3 rose to 87% from 81% in quarter 2, and December reached 97%: a month on "
    "month increase since August 2015. Activity over the summer changed the thresholds of each "
    "grading and the rigour with which they were applied, so audits have been more consistent "
    "since September. The 6-month Practice Improvement Programme starts in January 2016.",
    "2016-01": "January fell to 89%: the first month of moderated audits under the Practice "
    "Improvement Programme, with a larger sample of 45 files.",
}
FINANCE_NARRATIVE = {
    "D17a": "The overspend forecast is predominantly an overspend on placement costs offset by an "
    "underspend on staffing. Pressures are in out of authority and independent fostering "
    "placements, where numbers have increased (two placements were court directed), and in "
    "Special Guardianship allowances. Financial risk is shared between Trust and Council under "
    "the contract.",
    "D17c": "Placement costs drive the forecast: out of authority and independent fostering "
    "placements have increased since last reported, and Special Guardianship allowances are "
    "rising in line with the national trend. Agency reliance has fallen, but some vacancies are "
    "still covered by agency staff at additional cost. The care ladder agreed in the contract "
    "review will inform a Placement Sufficiency Strategy.",
    "D17b": "More income than planned, predominantly from health contributions to out of "
    "authority placements and within adoption.",
}
# Section 7.6.4 and 7.6.5 of the report, as December's narrative for those measures.
DECEMBER_NARRATIVE = {
    "A1": "Re-referrals remain low and better than target for three successive quarters, although "
    "the revised Early Help Offer is not yet fully established. As it is adopted across the "
    "borough, referrals and so re-referrals are expected to fall.",
    "A2": "Timeliness of single assessments is back within tolerance after quarter 2, as the "
    "restructure of operational services gives a sharper focus on timescales.",
    "A6": "Children are spending less time on a child protection plan.",
    "A7": "Children are allocated to a social worker qualified to meet their needs.",
    "B8": "The time taken to complete care proceedings continues to reduce.",
    "B9": "The proportion of children in care remaining in long-term placements has increased.",
    "B10": "Children in care with three or more moves in a year remain within tolerance.",
    "B11": "More care leavers are in suitable accommodation.",
    "B12": "Care leavers in education, employment or training are back within tolerance.",
    "C15": "Turnover among new permanent staff remains low, leading to a more stable workforce.",
}
WOBBLE = (Decimal("-0.4"), Decimal("0.4"), Decimal("0"))  # a quarter's months, around its level


def months() -> list[date]:
    out, month = [], FIRST
    while month <= LAST:
        out.append(month)
        month = add_months(month, 1)
    return out


def level_for(design: tuple, month: date) -> Decimal:
    q1, q2, q3, jan = (Decimal(str(x)) for x in design[1:5])
    if month >= date(2016, 1, 1):
        return jan
    return {1: q1, 2: q2, 3: q3}[(month.month - 4) // 3 + 1]


def q(value: Decimal, places: str = "0.01") -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def narrative(month: date, shown: str, value: Decimal, previous: Decimal | None) -> str:
    trend = ""
    if previous is not None:
        trend = (
            " Unchanged on last month."
            if previous == value
            else (f" {'Up' if value > previous else 'Down'} from {plain(previous)} last time.")
        )
    return f"Illustrative: {period_label(month)} figure {shown}.{trend}"


def build(measures: list[dict]) -> list[dict]:
    rows: list[dict] = []
    for m in measures:
        code, unit = m["code"], Unit(m["unit"])
        previous = None
        if code == "A3":
            for month in months():
                key = f"{month:%Y-%m}"
                num, den = A3[key]
                value = ratio(Decimal(num), Decimal(den), unit)
                rows.append(
                    _row(
                        code,
                        month,
                        value,
                        num,
                        den,
                        A3_NARRATIVE.get(key) or narrative(month, plain(value) + "%", value, None),
                    )
                )
            continue
        if m["frequency"] == "quarterly":
            for n, month in enumerate((date(2015, 6, 1), date(2015, 9, 1), date(2015, 12, 1))):
                value = Decimal(str(FINANCE[code][n]))
                text = FINANCE_NARRATIVE.get(code) if month.month == 12 else None
                shown = f"£{value:,.0f}" if unit is Unit.MONEY else plain(value)
                rows.append(
                    _row(
                        code,
                        month,
                        value,
                        None,
                        None,
                        text or narrative(month, shown, value, previous),
                    )
                )
                previous = value
            continue
        design = DESIGN[code]
        cohort = design[0]
        for i, month in enumerate(months()):
            level = level_for(design, month)
            step = WOBBLE[(month.month - 4) % 3] if month < date(2016, 1, 1) else Decimal(0)
            if unit is Unit.COUNT:
                value, num, den = q(level + step * 10, "1"), None, None
            elif unit is Unit.DAYS and cohort:
                den = cohort + (i % 3) - 1
                value = q(level + step * 5, "1")
                num, value = value * den, None
            elif cohort:  # a percentage with its cohort
                den = cohort + ((i * 7) % 5) - 2
                num = int(q((level + step) * den / 100, "1"))
                value = None
            else:
                value, num, den = q(level + step * Decimal("0.5"), "0.1"), None, None
            if value is None:
                value = ratio(Decimal(num), Decimal(den), unit)
            shown = plain(value) + ("%" if unit is Unit.PERCENTAGE else "")
            text = DECEMBER_NARRATIVE.get(code) if month == date(2015, 12, 1) else None
            text = text or narrative(month, shown, value, previous)
            rows.append(_row(code, month, value, num, den, text))
            previous = value
    return rows


def _row(code, month, value, num, den, text) -> dict:
    return {
        "measure": code,
        "period": f"{month:%Y-%m}",
        "value": plain(Decimal(value)),
        "numerator": "" if num is None else plain(Decimal(num)),
        "denominator": "" if den is None else plain(Decimal(den)),
        "narrative": text,
    }


def check(measures: list[dict], rows: list[dict]) -> None:
    """Quarters 2 and 3 land in their designed statuses (quarter 3: Appendix A)."""
    expected = {code: d[5:7] for code, d in DESIGN.items()}
    expected |= {code: d[3:5] for code, d in FINANCE.items()}
    expected["A3"] = (IN, OFF)
    for m in measures:
        mine = [r for r in rows if r["measure"] == m["code"]]
        changes = [
            (
                date.fromisoformat(t.get("from", "2014-10") + "-01"),
                None if t.get("target") is None else Decimal(str(t["target"])),
                None if t.get("tolerance") is None else Decimal(str(t["tolerance"])),
            )
            for t in m["targets"]
        ]
        for n, (first, want) in enumerate(
            zip((date(2015, 7, 1), date(2015, 10, 1)), expected[m["code"]], strict=True)
        ):
            quarter = [add_months(first, k) for k in range(3)]
            values = [
                MonthValue(
                    date.fromisoformat(r["period"] + "-01"),
                    Decimal(r["value"]),
                    Decimal(r["numerator"]) if r["numerator"] else None,
                    Decimal(r["denominator"]) if r["denominator"] else None,
                )
                for r in mine
                if date.fromisoformat(r["period"] + "-01") in quarter
            ]
            figure = quarter_value(values, Basis(m["basis"]), Unit(m["unit"]))
            target, tolerance = target_for(changes, quarter[-1])
            got = status(figure.value, target, tolerance, Polarity(m["polarity"]))
            assert got is STATUS[want], (m["code"], n + 2, figure, got, want)


def main() -> None:
    measures = yaml.safe_load((HERE / "measures.yaml").read_text(encoding="utf-8"))["measures"]
    rows = build(measures)
    check(measures, rows)
    with (HERE / "measure_values.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} values for {len(measures)} measures")


if __name__ == "__main__":
    main()
