"""The strategy's key indicators, each defined once, as data.

Safer Leeds' community safety strategy lists ten indicators under "How will we measure
progress?". Each is an :class:`Indicator`: where its numbers come from, which records
count (a SQL predicate over the source table, the only place that rule is written),
its unit, and whether a rise is good news. Queries, the CLI, pages and benchmarks all
read this registry; adding an indicator is adding an entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from saferleeds.analytics.police_reference import ASB

# Sources
POLICE = "police.uk"  # police_street: data.police.uk street-level crime and ASB
PARTNER = "partner"  # partner_incident: pseudonymised partner extracts
SURVEY = "survey"  # survey_response: resident survey answers
NONE = "none"  # not yet collected

# Columns of each source table an indicator's ``where`` may use. Keeping predicates to
# these (none of which area_lsoa has) keeps them unambiguous in the join with area_lsoa.
DIMENSIONS: dict[str, tuple[str, ...]] = {
    "police.uk": ("crime_type",),
    "partner": ("source", "agency", "category", "alcohol", "drug", "domestic", "hate"),
}

# Partner extract kinds (partner_incident.source)
OFFENCE = "offence"
DOMESTIC_ABUSE = "domestic_abuse"
HATE_REPORT = "hate_report"
ASB_COMPLAINT = "asb_complaint"


@dataclass(frozen=True)
class Indicator:
    """One key indicator.

    Attributes:
        id: Stable identifier (used in URLs, the CLI and JSON).
        label: The strategy's wording.
        source: :data:`POLICE`, :data:`PARTNER`, :data:`SURVEY` or :data:`NONE`.
        counts: What is counted, in words, for people reading a report.
        unit: ``"count"`` (records) or ``"percent"`` (survey share).
        higher_is_better: Whether a rise is good news.
        where: For counts, the SQL predicate over the source table's columns selecting
            the records that count (DuckDB dialect, portable to Spark SQL).
        extracts: For partner counts, the extract kinds that must cover a month for
            the month to count as held.
        question: For survey indicators, the ``question`` id in ``survey_response``.
        harm: Whether a harm-weighted total is shown beside the count (crimes only).
        note: Caveats shown with the figure.
    """

    id: str
    label: str
    source: str
    counts: str
    unit: str
    higher_is_better: bool
    where: str | None = None
    extracts: tuple[str, ...] = ()
    question: str | None = None
    harm: bool = False
    note: str | None = None

    @property
    def is_count(self) -> bool:
        """Whether the indicator counts records (as opposed to a survey share)."""
        return self.unit == "count" and self.where is not None


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        id="feel_safe",
        label="People feel safe in their local area",
        source=SURVEY,
        counts="weighted share of residents answering 'very safe' or 'fairly safe' "
        "(or 'yes') to feeling safe in their local area",
        unit="percent",
        higher_is_better=True,
        question="feel_safe",
    ),
    Indicator(
        id="confidence",
        label="Public satisfaction & confidence",
        source=SURVEY,
        counts="weighted share agreeing ('strongly' or 'tend to') that the police and "
        "council deal with the crime and ASB issues that matter locally",
        unit="percent",
        higher_is_better=True,
        question="confidence",
    ),
    Indicator(
        id="total_recorded_crime",
        label="Volume of total recorded crime",
        source=POLICE,
        counts="police.uk street-level records of every category except ASB",
        unit="count",
        higher_is_better=False,
        where=f"crime_type <> '{ASB}'",
        harm=True,
    ),
    Indicator(
        id="asb",
        label="Reported anti-social behaviour/ nuisance",
        source=POLICE,
        counts="police.uk ASB incidents (identical rows are separate incidents)",
        unit="count",
        higher_is_better=False,
        where=f"crime_type = '{ASB}'",
        note="ASB reported to the police only; council ASB complaints are not added "
        "to avoid double counting",
    ),
    Indicator(
        id="hate_incidents",
        label="Number of hate related incidents",
        source=PARTNER,
        counts="hate incident reports from all channels (police, online, third-party "
        "reporting centres)",
        unit="count",
        higher_is_better=False,
        where=f"source = '{HATE_REPORT}'",
        extracts=(HATE_REPORT,),
        note="a rise can mean more confidence to report, which the strategy seeks",
    ),
    Indicator(
        id="domestic_abuse",
        label="Number of self-reported domestic violence and abuse incidents",
        source=PARTNER,
        counts="domestic violence and abuse incidents reported to any partner agency",
        unit="count",
        higher_is_better=False,
        where=f"source = '{DOMESTIC_ABUSE}'",
        extracts=(DOMESTIC_ABUSE,),
        note="a rise can mean more victims coming forward",
    ),
    Indicator(
        id="violence_sexual",
        label="Volume of violent and sexual offences recorded",
        source=POLICE,
        counts="police.uk records of 'Violence and sexual offences'",
        unit="count",
        higher_is_better=False,
        where="crime_type = 'Violence and sexual offences'",
        harm=True,
    ),
    Indicator(
        id="drug_related",
        label="Drug related",
        source=PARTNER,
        counts="police offences and domestic-abuse incidents flagged drug-related",
        unit="count",
        higher_is_better=False,
        where=f"drug AND source IN ('{OFFENCE}', '{DOMESTIC_ABUSE}')",
        extracts=(OFFENCE, DOMESTIC_ABUSE),
        note="the strategy marks this indicator TBC; definition provisional",
    ),
    Indicator(
        id="alcohol_related",
        label="Alcohol related",
        source=PARTNER,
        counts="police offences and domestic-abuse incidents flagged alcohol-related",
        unit="count",
        higher_is_better=False,
        where=f"alcohol AND source IN ('{OFFENCE}', '{DOMESTIC_ABUSE}')",
        extracts=(OFFENCE, DOMESTIC_ABUSE),
        note="the strategy marks this indicator TBC; definition provisional",
    ),
    Indicator(
        id="reoffending",
        label="Re-Offending",
        source=NONE,
        counts="proven re-offending of the partnership's offender cohort",
        unit="percent",
        higher_is_better=False,
        note="no data yet: needs offender management (Integrated Offender "
        "Management) records, which saferleeds does not hold yet",
    ),
)

BY_ID: dict[str, Indicator] = {i.id: i for i in INDICATORS}


def get_indicator(indicator_id: str) -> Indicator:
    """Return the indicator with this id.

    Raises:
        KeyError: With the known ids, if there is no such indicator.
    """
    try:
        return BY_ID[indicator_id]
    except KeyError:
        raise KeyError(
            f"unknown indicator {indicator_id!r}; known: {', '.join(BY_ID)}"
        ) from None
