"""The calendar's pure rules: deadlines of the published rule set, working days by the
holiday data, periods, stoppages and states. No I/O."""

from __future__ import annotations

from datetime import date

from contracts.compliance.enums import Frequency, ManagementCategory, OccurrenceState
from contracts.compliance.rpc import Deadline
from kit.ids import new_id
from services.compliance.calendar import domain
from services.compliance.calendar.owed import PermitFacts, PlanFacts, Window, owed_by_unit
from services.compliance.rules import holiday_years, ruleset

CAL = domain.china()


def due(frequency: Frequency, first: date) -> list[tuple[str, date]]:
    deadline = ruleset().report_deadlines[frequency]
    return [
        (p.label, domain.due_date(p, deadline, CAL))
        for p in domain.periods(frequency, first, date(first.year, 12, 31))
    ]


def test_R6_1_2_execution_report_deadlines_of_the_rule_set():
    assert due(Frequency.ANNUAL, date(2027, 1, 1)) == [("2027", date(2028, 1, 31))]
    assert due(Frequency.SEMIANNUAL, date(2027, 1, 1)) == [
        ("2027-H1", date(2027, 7, 31)),
        ("2027-H2", date(2028, 1, 31)),
    ]
    assert due(Frequency.QUARTERLY, date(2027, 1, 1)) == [
        ("2027-Q1", date(2027, 4, 15)),
        ("2027-Q2", date(2027, 7, 15)),
        ("2027-Q3", date(2027, 10, 15)),
        ("2027-Q4", date(2028, 1, 15)),
    ]
    assert due(Frequency.MONTHLY, date(2027, 11, 1)) == [
        ("2027-11", date(2027, 12, 15)),
        ("2027-12", date(2028, 1, 15)),
    ]


def test_R6_1_2_default_schedules_by_management_category():
    rules = ruleset()
    frequencies = {c: [e.frequency for e in rules.default_schedule(c)] for c in ManagementCategory}
    assert frequencies == {
        ManagementCategory.KEY: [Frequency.ANNUAL, Frequency.QUARTERLY],
        ManagementCategory.SIMPLIFIED: [Frequency.ANNUAL, Frequency.SEMIANNUAL],
        ManagementCategory.REGISTRATION: [],
    }


def test_working_days_follow_the_holiday_data():
    years = holiday_years()
    assert {y: years[y].status for y in years} == {
        2025: "official",
        2026: "official",
        2027: "provisional",
        2028: "provisional",
    }
    assert CAL.is_working_day(date(2026, 10, 10))  # Saturday, a make-up working day
    assert not CAL.is_working_day(date(2026, 10, 7))  # Wednesday, National Day holiday
    assert CAL.is_working_day(date(2026, 10, 8))  # Thursday, back to work
    assert not CAL.is_working_day(date(2026, 10, 11))  # an ordinary Sunday
    # Ad-hoc disclosure, 5 working days after 30 September 2026: Oct 8, 9, 10, 12, 13.
    rule = ruleset().event_rules["disclosure.ad_hoc"]
    decided = domain.Period(date(2026, 9, 30), date(2026, 9, 30), "")
    assert domain.due_date(decided, rule.deadline, CAL) == date(2026, 10, 13)


def test_a_deadline_on_a_rest_day_rolls_to_the_next_working_day():
    rolled = Deadline(anchor="period_start", months=2, day=31, roll_to_working_day=True)
    year_2029 = domain.Period(date(2029, 1, 1), date(2029, 12, 31), "2029")
    assert domain.due_date(year_2029, rolled, CAL) == date(2029, 4, 2)  # 31 Mar is a Saturday


def test_day_clamped_to_the_month():
    assert domain.add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert domain.add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)


def test_states_by_today():
    today = date(2027, 3, 10)
    assert domain.state("open", date(2027, 3, 9), today, 7) is OccurrenceState.OVERDUE
    assert domain.state("open", date(2027, 3, 17), today, 7) is OccurrenceState.DUE_SOON
    assert domain.state("open", date(2027, 3, 18), today, 7) is OccurrenceState.UPCOMING
    assert domain.state("suspended", date(2027, 3, 1), today, 7) is OccurrenceState.SUSPENDED


def test_R6_1_5_stoppage_suspends_monitoring_and_reports_need_the_statement_only():
    unit, agency = new_id(), new_id()
    permit = PermitFacts(
        id=new_id(),
        agency_id=agency,
        number="P-1",
        category=ManagementCategory.KEY,
        valid_from=date(2027, 1, 1),
        valid_to=date(2031, 12, 31),
        schedule=ruleset().default_schedule(ManagementCategory.KEY),
    )
    plan = PlanFacts(new_id(), permit.id, "DA001", "SO2", Frequency.MONTHLY)
    stopped = [domain.Stoppage(date(2027, 4, 1), date(2027, 6, 30))]
    owed = owed_by_unit(
        unit,
        [permit],
        [plan],
        stopped,
        [],
        ruleset(),
        Window(date(2027, 1, 1), date(2027, 12, 31)),
        CAL,
    )
    monitoring = {o.period_label: o.status for o in owed if o.rule_code == "monitoring.sampling"}
    assert [k for k, v in monitoring.items() if v == "suspended"] == [
        "2027-04",
        "2027-05",
        "2027-06",
    ]
    statements = [o.period_label for o in owed if o.statement_only]
    assert statements == ["2027-Q2"]
