"""The partnership's plan: priorities, outcomes, deliverables, their status and boards.

Seeded from the strategy (``saferleeds governance seed``); a deliverable's RAG status
changes only through :func:`saferleeds.governance.actions.do_update_deliverable_status`,
which keeps its history (:class:`StatusChange`) and audits it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from saferleeds.core.meetings import MeetingBase
from saferleeds.partners.models import Agency


class Board(models.Model):
    """A board or group of the partnership's governance."""

    class Kind(models.TextChoices):
        EXECUTIVE = "executive", "Executive"
        OPERATIONAL = "operational", "Operational delivery board"
        PLACE_BASED = "place_based", "Place based delivery board"
        STEERING = "steering", "Steering or task and finish group"
        CONNECTED = "connected", "Connected board"

    key = models.SlugField(
        max_length=60, unique=True, db_comment="key in the plan file"
    )
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.TextField(blank=True)
    reports_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        db_table_comment = "boards and groups of the partnership's governance"

    def __str__(self) -> str:
        return self.name


class Priority(models.Model):
    """One of the strategy's shared priorities."""

    number = models.PositiveSmallIntegerField(unique=True)
    title = models.CharField(max_length=200)
    focus = models.CharField(
        max_length=40, db_comment="e.g. Victim, Offender, Location"
    )
    aim = models.TextField(blank=True, db_comment="what the priority means")

    class Meta:
        ordering = ["number"]
        verbose_name_plural = "priorities"
        db_table_comment = "the strategy's shared priorities"

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Outcome(models.Model):
    """What the partnership will work collectively to do under a priority."""

    priority = models.ForeignKey(
        Priority, on_delete=models.CASCADE, related_name="outcomes"
    )
    number = models.PositiveSmallIntegerField(db_comment="order within the priority")
    text = models.TextField()

    class Meta:
        ordering = ["priority__number", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["priority", "number"], name="one_outcome_number_per_priority"
            )
        ]
        db_table_comment = "outcomes each shared priority works towards"

    def __str__(self) -> str:
        return f"{self.priority.number}.{self.number}"


class Rag(models.TextChoices):
    """A deliverable's red/amber/green status."""

    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class Deliverable(models.Model):
    """A deliverable of the plan, with its lead agency, board and current RAG status."""

    key = models.SlugField(
        max_length=60, unique=True, db_comment="key in the plan file"
    )
    title = models.TextField()
    theme = models.CharField(
        max_length=200, blank=True, db_comment="the strategy's heading above it"
    )
    priority = models.ForeignKey(
        Priority, on_delete=models.PROTECT, related_name="deliverables"
    )
    outcome = models.ForeignKey(
        Outcome,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deliverables",
    )
    lead_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    lead = models.CharField(
        max_length=200, blank=True, db_comment="the lead as the strategy writes it"
    )
    board = models.ForeignKey(
        Board,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deliverables",
    )
    plan_on_a_page = models.BooleanField(
        default=False, db_comment="one of the strategy's plan-on-a-page items"
    )
    due_on = models.DateField(null=True, blank=True)
    milestones = models.TextField(blank=True)
    rag = models.CharField(
        max_length=5, choices=Rag.choices, blank=True, db_comment="blank: not yet rated"
    )
    rag_evidence = models.TextField(blank=True)
    rag_updated_on = models.DateField(null=True, blank=True)
    rag_updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["priority__number", "id"]
        db_table_comment = "the plan's deliverables and their current RAG status"

    def __str__(self) -> str:
        return self.title


class StatusChange(models.Model):
    """One change of a deliverable's RAG status: who, when, from, to, and the evidence."""

    deliverable = models.ForeignKey(
        Deliverable, on_delete=models.PROTECT, related_name="status_changes"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="+",
        db_comment="changer's agency",
    )
    changed_at = models.DateTimeField()
    changed_on = models.DateField(db_comment="the day the status applies from")
    from_rag = models.CharField(max_length=5, choices=Rag.choices, blank=True)
    to_rag = models.CharField(max_length=5, choices=Rag.choices)
    evidence = models.TextField()

    class Meta:
        ordering = ["-changed_at", "-id"]
        db_table_comment = "history of deliverables' RAG status (append-only)"


class Milestone(models.Model):
    """A dated step of a deliverable: overdue when past due and not done."""

    deliverable = models.ForeignKey(
        Deliverable, on_delete=models.CASCADE, related_name="milestone_items"
    )
    title = models.CharField(max_length=300)
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True, db_comment="blank: not done")

    class Meta:
        ordering = ["due_on", "id"]
        db_table_comment = "dated milestones of the plan's deliverables"

    def __str__(self) -> str:
        return self.title


class BoardMeeting(MeetingBase):
    """A meeting of a board: its date, venue and chair (the fields every meeting has,
    shared with MARAC meetings), the papers taken and the decisions made."""

    board = models.ForeignKey(Board, on_delete=models.PROTECT, related_name="meetings")
    papers = models.TextField(
        blank=True, db_comment="papers taken, one a line (uploaded ones: BoardPaper)"
    )
    decisions = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-held_on", "-id"]
        db_table_comment = "meetings of the partnership's boards"


class BoardAction(models.Model):
    """An action a board meeting gave to an agency, with its due date."""

    meeting = models.ForeignKey(
        BoardMeeting, on_delete=models.CASCADE, related_name="actions"
    )
    text = models.TextField()
    owner_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    owner = models.CharField(
        max_length=200, blank=True, db_comment="the person who owns it, as named"
    )
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True, db_comment="blank: open")

    class Meta:
        ordering = ["due_on", "id"]
        db_table_comment = "actions from board meetings, owned by an agency"


class TensionReport(models.Model):
    """A weekly community tension report for one area (no personal data).

    ``level`` is on the 1-5 scale of :data:`saferleeds.governance.tensions.LEVELS`;
    ``grading`` is the police EEP grading of the information.
    """

    class Grading(models.TextChoices):
        EVIDENCED = "evidenced", "Evidenced"
        EXPERIENCED = "experienced", "Experienced"
        POTENTIAL = "potential", "Potential"

    area = models.ForeignKey("places.Area", on_delete=models.PROTECT, related_name="+")
    week_starting = models.DateField(db_comment="the Monday of the week reported")
    level = models.PositiveSmallIntegerField(db_comment="1 (normal) to 5 (critical)")
    grading = models.CharField(max_length=12, choices=Grading.choices)
    indicators = models.TextField(db_comment="indicators and triggers seen")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", db_comment="submitter's"
    )
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["-week_starting", "-id"]
        indexes = [models.Index(fields=["area", "week_starting"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=5),
                name="tension_level_1_to_5",
            )
        ]
        db_table_comment = "weekly community tension reports by area (no personal data)"


class TensionLink(models.Model):
    """A hate report or incident linked to a tension report as evidence.

    Holds only the record's kind and id: who may see the record is the access layer's
    question each time the link is shown, so a reader who may not open the record sees
    only that a link exists.
    """

    class Kind(models.TextChoices):
        HATE_REPORT = "hate_report", "Hate incident report"
        INCIDENT = "incident", "Incident"

    report = models.ForeignKey(
        TensionReport, on_delete=models.CASCADE, related_name="links"
    )
    record_type = models.CharField(max_length=20, choices=Kind.choices)
    record_id = models.PositiveIntegerField()
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", db_comment="linker's"
    )
    linked_at = models.DateTimeField()

    class Meta:
        ordering = ["linked_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "record_type", "record_id"],
                name="tension_link_once",
            )
        ]
        db_table_comment = "hate reports and incidents linked to tension reports"


class TensionEvent(models.Model):
    """An event that may raise or has raised tension in an area (no personal data):
    a march, a match, an anniversary, a court case, an incident in the news."""

    area = models.ForeignKey("places.Area", on_delete=models.PROTECT, related_name="+")
    happens_on = models.DateField()
    title = models.CharField(max_length=200)
    details = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", db_comment="recorder's"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["happens_on", "id"]
        indexes = [models.Index(fields=["area", "happens_on"])]
        db_table_comment = "events that may affect community tension, by area"


class BoardMember(models.Model):
    """A member of a board: who, their role on it, their agency, and for how long.

    A member is current from ``from_on`` to ``to_on`` inclusive (no end: still a
    member). Board membership is the partnership's public governance, not casework.
    """

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=200, db_comment="role on the board, e.g. Chair")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    from_on = models.DateField()
    to_on = models.DateField(null=True, blank=True, db_comment="blank: still a member")

    class Meta:
        ordering = ["from_on", "id"]
        db_table_comment = "members of the partnership's boards, with their dates"


class BoardPaper(models.Model):
    """A paper taken at a board meeting: an uploaded document, stored as case
    documents are (checked, outside the web root, random name) and downloaded through
    an audited page only."""

    meeting = models.ForeignKey(
        BoardMeeting, on_delete=models.CASCADE, related_name="paper_files"
    )
    title = models.CharField(max_length=200)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", db_comment="uploader's"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    stored_name = models.CharField(max_length=80, unique=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        db_table_comment = "papers (uploaded documents) of board meetings"


class Confidence(models.TextChoices):
    """How sure the partnership is of a score (kept apart from the score, as MoRiLE asks)."""

    HIGH = "High", "High"
    MEDIUM = "Medium", "Medium"
    LOW = "Low", "Low"


class PriorityScore(models.Model):
    """The partnership's score of one theme for one assessment year.

    ``method`` is MoRiLE-style (harm, likelihood, organisational position) or the 4 x 4
    impact x likelihood grid (``harm`` then holds the impact); the confidence score is
    stored apart from the risk score. A score carried from the year before keeps
    ``carried_from`` and stays unconfirmed until someone confirms or changes it.
    """

    class Method(models.TextChoices):
        MORILE = "morile", "MoRiLE-style (harm, likelihood, organisational position)"
        GRID = "grid", "4 x 4 impact x likelihood grid"

    year = models.PositiveSmallIntegerField(
        db_comment="the assessment year's first calendar year (2017: 2017/18)"
    )
    theme = models.CharField(max_length=120)
    method = models.CharField(max_length=6, choices=Method.choices)
    harm = models.PositiveSmallIntegerField(db_comment="1-4 (impact on the grid)")
    likelihood = models.PositiveSmallIntegerField(db_comment="1-4")
    organisational_position = models.PositiveSmallIntegerField(
        null=True, blank=True, db_comment="1-4, MoRiLE only"
    )
    confidence = models.CharField(max_length=6, choices=Confidence.choices)
    rationale = models.TextField(blank=True)
    carried_from = models.PositiveSmallIntegerField(
        null=True, blank=True, db_comment="year carried from (blank: entered)"
    )
    confirmed = models.BooleanField(default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["year", "theme"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "theme"], name="one_priority_score_per_theme_year"
            ),
            models.CheckConstraint(
                condition=models.Q(harm__gte=1, harm__lte=4, likelihood__gte=1)
                & models.Q(likelihood__lte=4),
                name="priority_score_1_to_4",
            ),
        ]
        db_table_comment = (
            "the partnership's priority-setting scores per theme and year"
        )


class HorizonItem(models.Model):
    """One point of the PESTELO horizon scan the analyst enters for a year."""

    class Heading(models.TextChoices):
        POLITICAL = "political", "Political"
        ECONOMIC = "economic", "Economic"
        SOCIAL = "social", "Social"
        TECHNOLOGICAL = "technological", "Technological"
        ENVIRONMENTAL = "environmental", "Environmental"
        LEGAL = "legal", "Legal"
        ORGANISATIONAL = "organisational", "Organisational"

    year = models.PositiveSmallIntegerField(db_comment="2017: 2017/18")
    heading = models.CharField(max_length=14, choices=Heading.choices)
    text = models.TextField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["year", "id"]
        db_table_comment = "the PESTELO horizon scan entered per assessment year"


class Recommendation(models.Model):
    """A recommendation of the assessment for a year, feeding the plan through the
    deliverable it became or was linked to."""

    year = models.PositiveSmallIntegerField(db_comment="2017: 2017/18")
    text = models.TextField()
    theme = models.CharField(max_length=120, blank=True)
    deliverable = models.ForeignKey(
        Deliverable,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recommendations",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["year", "id"]
        db_table_comment = "the assessment's recommendations, linked to deliverables"
