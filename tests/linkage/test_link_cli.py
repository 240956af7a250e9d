"""`saferleeds link run` and `saferleeds link review` on the workspace's records."""

from __future__ import annotations

import re
from typing import Any

import pytest
from typer.testing import CliRunner

from saferleeds.cli.main import app
from saferleeds.linkage.models import LinkDecision, LinkPair
from tests.linkage.conftest import Population, make_agreement


@pytest.mark.django_db
def test_link_run_then_review_and_decide(
    population: Population, personas: dict[str, Any]
) -> None:
    runner = CliRunner()
    ran = runner.invoke(app, ["link", "run", "--threshold", "0.999999999"])
    assert ran.exit_code == 0, ran.output
    for label in ("Records:", "Resolved people:", "Pairs to review:", "Time taken:"):
        assert label in ran.output
    records = int(re.search(r"Records: ([\d,]+)", ran.output).group(1))  # type: ignore[union-attr]
    assert records == len(population.truth)
    queued = LinkPair.objects.filter(status="pending").count()
    assert f"Pairs to review: {queued}" in ran.output

    listed = runner.invoke(app, ["link", "review"])
    assert listed.exit_code == 0, listed.output
    assert f"{min(queued, 50)} pair" in listed.output
    pair = LinkPair.objects.filter(status="pending").first()
    assert pair is not None
    make_agreement()
    refused = runner.invoke(
        app,
        [
            "link",
            "review",
            "--decide",
            str(pair.pk),
            "confirm",
            "--as",
            "pete.practitioner",
        ],
    )
    assert refused.exit_code == 2 and "--reason" in refused.output
    decided = runner.invoke(
        app,
        [
            "link", "review", "--decide", str(pair.pk), "reject",
            "--reason", "Different people", "--as", "pete.practitioner",
        ],
    )  # fmt: skip
    assert decided.exit_code == 0, decided.output
    assert LinkDecision.objects.get().verdict == "non_match"
    analyst = runner.invoke(app, ["link", "review", "--as", "aisha.analyst"])
    assert analyst.exit_code == 2
