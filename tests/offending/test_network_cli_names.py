"""``saferleeds network`` on the workspace names people as the network page does: by
pseudonym, whoever runs it, never by record id; what it reads is logged as consulted
and what it writes out as a disclosure to that user, as the page's exports are. With
``--edges`` the file's own node names are kept and nothing is logged."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import igraph as ig
import pytest
from django.contrib.auth.models import User
from typer.testing import CliRunner

from saferleeds.audit.models import AuditEntry, Operation
from saferleeds.cli import app
from saferleeds.iom.network import EXPORT_EVENT, read_network_page
from saferleeds.partners.policy import actor_for
from saferleeds.people.present import pseudonym
from tests.offending.conftest import SAMPLES

runner = CliRunner()


def _actor(username: str) -> Any:
    return actor_for(User.objects.get(username=username))


@pytest.mark.django_db
def test_an_identified_user_sees_the_pages_pseudonyms(imported: Any) -> None:
    page = read_network_page(_actor("pete.practitioner"))
    on_page = {n.pseudonym for n in page.nodes}
    assert on_page and all(n.person_id is not None for n in page.nodes)  # identified

    done = runner.invoke(app, ["network", "metrics", "--as", "pete.practitioner"])
    assert done.exit_code == 0, done.stderr
    nodes = {r["node"] for r in csv.DictReader(io.StringIO(done.stdout))}
    assert nodes == on_page
    ids = {str(p.pk) for p in imported.values()}
    assert not nodes & ids and not any(n.isdigit() for n in nodes)
    assert nodes <= {pseudonym(p.pk) for p in imported.values()}

    # Written out: a disclosure of each person, to the user, as the page's exports.
    told = AuditEntry.objects.filter(event=EXPORT_EVENT)
    assert told.count() == len(nodes)
    entry = told.first()
    assert entry is not None and entry.operation == Operation.DISCLOSURE
    assert entry.recipient == "pete.practitioner (saferleeds network metrics, csv)"
    assert entry.detail["pseudonymised"] is True
    assert entry.detail["people"] == len(nodes)
    assert AuditEntry.objects.filter(event="offending.offence.extract").exists()

    players = runner.invoke(
        app, ["network", "key-players", "--as", "pete.practitioner", "--format", "json"]
    )
    assert players.exit_code == 0, players.stderr
    assert {r["node"] for r in json.loads(players.stdout)} <= on_page


@pytest.mark.django_db
def test_the_export_uses_pseudonyms(imported: Any, tmp_path: Path) -> None:
    out = tmp_path / "net.graphml"
    done = runner.invoke(
        app, ["network", "export", "--as", "pete.practitioner", "--out", str(out)]
    )
    assert done.exit_code == 0, done.stderr
    names = set(ig.Graph.Read_GraphML(str(out)).vs["id"])  # node ids are the names
    assert names and names <= {pseudonym(p.pk) for p in imported.values()}
    assert AuditEntry.objects.filter(
        event=EXPORT_EVENT,
        recipient="pete.practitioner (saferleeds network export, graphml)",
    ).exists()


@pytest.mark.django_db
def test_a_role_without_personal_data_is_refused_and_edges_keep_names(
    imported: Any,
) -> None:
    # The executive sees aggregates only: no network, one line, nothing logged.
    refused = runner.invoke(app, ["network", "metrics", "--as", "ed.executive"])
    assert refused.exit_code == 2
    assert "may not see the co-offending network" in refused.stderr
    assert not AuditEntry.objects.filter(event=EXPORT_EVENT).exists()

    done = runner.invoke(
        app, ["network", "metrics", "--edges", str(SAMPLES / "edges.csv")]
    )
    assert done.exit_code == 0, done.stderr
    nodes = {r["node"] for r in csv.DictReader(io.StringIO(done.stdout))}
    assert "N01" in nodes and all(n.startswith("N") for n in nodes)
    assert not AuditEntry.objects.filter(event=EXPORT_EVENT).exists()
