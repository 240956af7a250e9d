"""Re-offending and the co-offending network from the workspace's records: the same
figures as the CSV path on the same data, only what an actor's agency holds or is
shared, and the indicators page's figure."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from typer.testing import CliRunner

from saferleeds.analytics.reoffending import (
    proven_reoffending,
    read_index_events,
    read_offences,
)
from saferleeds.audit.models import AuditEntry
from saferleeds.cli import app
from saferleeds.offending.access_pages import (
    read_co_offending_network,
    read_reoffending_extract,
)
from saferleeds.offending.models import Disposal, Offence
from saferleeds.offending.queries import (
    latest_complete_reoffending,
    reoffending_figures,
)
from saferleeds.partners.actions import do_create_agreement
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import actor_for
from saferleeds.people.present import pseudonym
from tests.offending.conftest import SAMPLES

runner = CliRunner()
COHORTS = ("2017Q4", "2018Q1", "2018Q2")


def _csv_figures(cohort: str) -> dict[str, Any]:
    return proven_reoffending(
        read_index_events(SAMPLES / "index-events.csv"),
        read_offences(SAMPLES / "offences.csv"),
        cohort,
    ).to_dict()


def _actor(username: str) -> Any:
    return actor_for(User.objects.get(username=username))


def _share_offences(record_types: list[str]) -> None:
    """An agreement in force: WYP shares ``record_types`` with NPS and the council."""
    a = {x.code: x for x in Agency.objects.all()}
    today = timezone.localdate()
    do_create_agreement(
        actor=None,
        reference="test-offending",
        providers=[a["wyp"], a["nps"]],
        recipients=[a["nps"], a["lcc"]],
        title="Offender management",
        purpose="IOM",
        lawful_basis="s115 CDA 1998",
        record_types=record_types,
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=365),
        signed_by="test",
        signed_on=today - timedelta(days=30),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("cohort", COHORTS)
def test_workspace_figures_equal_the_csv_path(imported: Any, cohort: str) -> None:
    assert reoffending_figures(cohort).to_dict() == _csv_figures(cohort)


@pytest.mark.django_db
def test_the_command_without_files_reads_the_workspace(imported: Any) -> None:
    done = runner.invoke(app, ["reoffending", "--cohort", "2018Q1"])
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout) == _csv_figures("2018Q1")
    assert done.stderr == ""  # the data reach the end of the waiting period


@pytest.mark.django_db
def test_a_user_reads_only_what_their_agency_holds_or_is_shared(
    imported: Any,
) -> None:
    # Probation holds the disposals; the offences are the police's, not shared yet.
    nadia = _actor("nadia.probation")
    extract = read_reoffending_extract(nadia)
    assert extract.index_events.num_rows == Disposal.objects.count()
    assert extract.offences.num_rows == 0
    done = runner.invoke(
        app, ["reoffending", "--cohort", "2018Q1", "--as", "nadia.probation"]
    )
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout)["reoffenders"] == 0
    # The council's analyst sees neither.
    refused = runner.invoke(
        app, ["reoffending", "--cohort", "2018Q1", "--as", "aisha.analyst"]
    )
    assert refused.exit_code == 2
    assert "aisha.analyst may see no disposals" in refused.stderr

    _share_offences(["offence", "disposal"])
    done = runner.invoke(
        app, ["reoffending", "--cohort", "2018Q1", "--as", "nadia.probation"]
    )
    assert json.loads(done.stdout) == _csv_figures("2018Q1")
    # Each record read is logged as consulted, with its subject.
    logged = AuditEntry.objects.filter(
        event="offending.offence.extract", actor_username="nadia.probation"
    )
    offenders = Offence.objects.filter(role="offender").count()
    assert logged.count() == offenders
    # The analyst's extract names people by pseudonym only.
    analyst = read_reoffending_extract(_actor("aisha.analyst"))
    assert analyst.pseudonymised
    names = set(analyst.index_events.column("person_id").to_pylist())
    assert names == {pseudonym(p.pk) for p in imported.values() if p.pk in _disposed()}
    assert json.loads(
        runner.invoke(
            app, ["reoffending", "--cohort", "2018Q1", "--as", "aisha.analyst"]
        ).stdout
    ) == _csv_figures("2018Q1")


def _disposed() -> set[int]:
    return set(Disposal.objects.values_list("person_id", flat=True))


@pytest.mark.django_db
def test_the_co_offending_network(imported: Any) -> None:
    pete = _actor("pete.practitioner")  # West Yorkshire Police: holds the offences
    network = read_co_offending_network(pete)
    ids = {ref: str(p.pk) for ref, p in imported.items()}
    pairs = {tuple(sorted((e.source, e.target))) for e in network.edges}
    # CR-18-0001: P001 and the suspect P013; CR-18-0003: P005 and P008;
    # CR-19-0007: P002 and P003. CR-18-0002 and CR-19-0009 have one person each.
    assert pairs == {
        tuple(sorted((ids["P001"], ids["P013"]))),
        tuple(sorted((ids["P005"], ids["P008"]))),
        tuple(sorted((ids["P002"], ids["P003"]))),
    }
    done = runner.invoke(
        app, ["network", "metrics", "--as", "pete.practitioner", "--format", "csv"]
    )
    assert done.exit_code == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert len(rows) == 6 and {r["degree"] for r in rows} == {"1"}
    # Another agency's user sees no offences, so no network, until it is shared.
    nobody = runner.invoke(app, ["network", "metrics", "--as", "nadia.probation"])
    assert nobody.exit_code == 2 and "no co-offending ties" in nobody.stderr
    _share_offences(["offence"])
    analyst = runner.invoke(
        app, ["network", "metrics", "--as", "aisha.analyst", "--format", "json"]
    )
    nodes = {r["node"] for r in json.loads(analyst.stdout)}
    assert nodes == {pseudonym(int(i)) for pair in pairs for i in pair}


@pytest.mark.django_db
def test_latest_complete_cohort(imported: Any) -> None:
    # 2018Q2's only index event (P011, 3 April 2018) waits until 3 October 2019, and
    # the offences run to 31 December 2019: the latest complete cohort.
    latest = latest_complete_reoffending(date(2026, 1, 1))
    assert latest is not None and latest.cohort == "2018Q2"
    assert latest.to_dict() == _csv_figures("2018Q2")
    earlier = latest_complete_reoffending(date(2019, 10, 1))
    assert earlier is not None and earlier.cohort == "2018Q1"
    assert latest_complete_reoffending(date(2019, 6, 1)) is None


@pytest.mark.django_db
def test_iom_compares_the_cohort_with_the_rest_as_a_group_file_does(
    imported: Any, tmp_path: Any
) -> None:
    from saferleeds.iom.models import IomMember
    from saferleeds.iom.queries import member_person_ids

    refused = runner.invoke(app, ["reoffending", "--cohort", "2018Q1", "--iom"])
    assert refused.exit_code == 2
    assert "nobody has been in the IOM cohort" in refused.stderr
    wyp = Agency.objects.get(code="wyp")
    chosen = sorted(_disposed())[:2]
    for pk in chosen:
        IomMember.objects.create(
            person_id=pk,
            agency=wyp,
            cohort="fixed",
            adopted_on=date(2018, 1, 2),
            adopted_reason="test",
        )
    assert member_person_ids() == {str(pk) for pk in chosen}
    group = tmp_path / "group.csv"
    group.write_text("person_id\n" + "".join(f"{pk}\n" for pk in chosen))
    by_file = runner.invoke(
        app, ["reoffending", "--cohort", "2018Q1", "--group", str(group)]
    )
    by_iom = runner.invoke(app, ["reoffending", "--cohort", "2018Q1", "--iom"])
    assert by_iom.exit_code == 0, by_iom.stderr
    assert json.loads(by_iom.stdout) == json.loads(by_file.stdout)
    assert json.loads(by_iom.stdout)["group"]["offenders"] >= 1
    # An analyst's extract names people by pseudonym: the cohort is matched so too.
    _share_offences(["offence", "disposal"])
    analyst = runner.invoke(
        app, ["reoffending", "--cohort", "2018Q1", "--iom", "--as", "aisha.analyst"]
    )
    assert analyst.exit_code == 0, analyst.stderr
    assert json.loads(analyst.stdout) == json.loads(by_file.stdout)
    both = runner.invoke(
        app, ["reoffending", "--cohort", "2018Q1", "--iom", "--group", str(group)]
    )
    assert both.exit_code == 2
