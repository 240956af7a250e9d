"""The case core every casework module (MARAC, hate, ASB, modern slavery) hangs on."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from saferleeds.incidents.models import Incident
from saferleeds.partners.models import Agency
from saferleeds.people.models import Person, SubjectRole
from saferleeds.places.models import Area, Place


class RiskLevel(models.TextChoices):
    """Risk grading shared by Dash and the ASB risk matrix."""

    STANDARD = "standard", "Standard"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Case(models.Model):
    """A multi-agency case, led by one agency, worked by named members."""

    class Type(models.TextChoices):
        MARAC = "marac", "Domestic abuse (MARAC)"
        HATE = "hate", "Hate crime"
        ASB = "asb", "Anti-social behaviour"
        MODERN_SLAVERY = "modern_slavery", "Modern slavery"
        GENERAL = "general", "Other safeguarding"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    class Consent(models.TextChoices):
        NOT_SOUGHT = "not_sought", "Not yet sought"
        GIVEN = "given", "Given"
        REFUSED = "refused", "Refused"
        WITHDRAWN = "withdrawn", "Withdrawn"
        OVERRIDDEN = "overridden", "Shared without consent (risk of serious harm)"

    class Outcome(models.TextChoices):
        RISK_REDUCED = "risk_reduced", "Risk reduced"
        RESOLVED = "resolved", "Resolved"
        ENFORCEMENT = "enforcement", "Enforcement action taken"
        MOVED_AWAY = "moved_away", "Moved out of the area"
        DISENGAGED = "disengaged", "Victim disengaged"
        TRANSFERRED = "transferred", "Transferred to another service"
        NO_FURTHER_ACTION = "no_further_action", "No further action"

    reference = models.CharField(max_length=60, unique=True)
    case_type = models.CharField(
        max_length=20, choices=Type.choices, db_comment="marac, hate, asb, ..."
    )
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN
    )
    risk_level = models.CharField(
        max_length=10, choices=RiskLevel.choices, blank=True, default=""
    )
    lead_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey(
        Area,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_comment="where the case is (an LSOA, usually), for lists by area",
    )
    opened_on = models.DateField()
    review_due_on = models.DateField(
        null=True, blank=True, db_comment="next review, from the risk level"
    )
    consent = models.CharField(
        max_length=12, choices=Consent.choices, default=Consent.NOT_SOUGHT
    )
    consent_recorded_on = models.DateField(null=True, blank=True)
    consent_note = models.TextField(
        blank=True, db_comment="why shared without consent, or any conditions"
    )
    closed_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(
        max_length=20, choices=Outcome.choices, blank=True, default=""
    )
    outcome_note = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [
            models.Index(fields=["case_type", "status"]),
            models.Index(fields=["review_due_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open", closed_on__isnull=True)
                | models.Q(status="closed", closed_on__isnull=False),
                name="case_closed_on_iff_closed",
            )
        ]
        db_table_comment = "multi-agency cases (personal data)"

    def __str__(self) -> str:
        return self.reference


class CaseMember(models.Model):
    """A named worker on a case; membership opens the case's records to them."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "user"], name="one_membership_per_case"
            )
        ]
        db_table_comment = "workers on cases"


class CasePerson(models.Model):
    """A person's role on a case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="people")
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="case_links"
    )
    role = models.CharField(max_length=20, choices=SubjectRole.choices)

    class Meta:
        db_table_comment = "people's roles on cases"


class CaseIncident(models.Model):
    """An incident linked to a case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="incidents")
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="case_links"
    )

    class Meta:
        db_table_comment = "incidents linked to cases"


class CaseNote(models.Model):
    """A note on a case, marked fact or assessment (DPA 2018 s38(2))."""

    class Kind(models.TextChoices):
        FACT = "fact", "Fact"
        ASSESSMENT = "assessment", "Professional assessment"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table_comment = "case notes (personal data)"


class CasePlace(models.Model):
    """A place linked to a case (a victim's home, a repeat location)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="places")
    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="+")
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "place"], name="one_link_per_place")
        ]
        db_table_comment = "places linked to cases"


class CaseTask(models.Model):
    """A task on a case with an owner agency and a due date; MARAC actions are tasks
    that point at the referral they came from."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=300)
    detail = models.TextField(blank=True)
    owner_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", db_comment="who must do it"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_on = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_by_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="+",
        db_comment="the agency that recorded the task (holds the record)",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    marac_referral = models.ForeignKey(
        "MaracReferral",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="actions",
        db_comment="set for a MARAC action plan item",
    )
    completed_on = models.DateField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    completion_note = models.TextField(blank=True, db_comment="evidence of completion")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["owner_agency", "completed_on", "due_on"])]
        db_table_comment = "tasks and MARAC actions on cases (personal data)"


class CaseDocument(models.Model):
    """An uploaded document; the bytes live outside the web root under
    ``SAFERLEEDS_DOCUMENT_ROOT`` with a random name, never served directly."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", db_comment="uploader's"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    title = models.CharField(max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    stored_name = models.CharField(max_length=80, unique=True)

    class Meta:
        db_table_comment = "documents attached to cases (personal data)"


class DashAssessment(models.Model):
    """A completed SafeLives Dash risk checklist for a victim on a case.

    ``answers`` holds 24 values, each true (yes), false (no) or null (not known /
    not answered); the grading is stored as computed by ``safeguarding.dash``.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="dash")
    victim = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessed_on = models.DateField()
    answers = models.JSONField(db_comment="24 x true/false/null, question order")
    yes_count = models.PositiveSmallIntegerField()
    visible_high_risk = models.BooleanField()
    professional_judgement = models.BooleanField(default=False)
    judgement_reason = models.TextField(blank=True)
    risk_level = models.CharField(max_length=10, choices=RiskLevel.choices)
    assessor_notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-assessed_on", "-id"]
        db_table_comment = "Dash risk checklists (personal data, special category)"


class MaracMeeting(models.Model):
    """A MARAC meeting: a date, a chair and the referrals listed for it."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        HELD = "held", "Held"

    held_on = models.DateField()
    venue = models.CharField(max_length=200, blank=True)
    chair = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on"]
        db_table_comment = "MARAC meetings (no personal data)"

    def __str__(self) -> str:
        return f"MARAC {self.held_on:%d %B %Y}"


class MaracReferral(models.Model):
    """A referral of a victim to MARAC, the criteria it met and where it was heard."""

    class Status(models.TextChoices):
        REFERRED = "referred", "Referred"
        LISTED = "listed", "Listed for a meeting"
        HEARD = "heard", "Heard at MARAC"
        CLOSED = "closed", "Actions complete"
        WITHDRAWN = "withdrawn", "Withdrawn"

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="marac_referrals"
    )
    victim = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    perpetrator = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    referring_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+"
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    referred_on = models.DateField()
    criteria = models.JSONField(default=list, db_comment="marac.Criterion values met")
    is_repeat = models.BooleanField(default=False)
    dash = models.ForeignKey(
        DashAssessment, null=True, blank=True, on_delete=models.SET_NULL
    )
    reason = models.TextField(blank=True)
    meeting = models.ForeignKey(
        MaracMeeting,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.REFERRED
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-referred_on", "-id"]
        indexes = [models.Index(fields=["referred_on"])]
        db_table_comment = "MARAC referrals (personal data, special category)"


class MaracResearch(models.Model):
    """What one agency holds on the parties to a referral, shared for the meeting."""

    referral = models.ForeignKey(
        MaracReferral, on_delete=models.CASCADE, related_name="research"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    holds_information = models.BooleanField(default=True)
    findings = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "agency"], name="one_research_per_agency"
            )
        ]
        db_table_comment = "agencies' research for MARAC (personal data)"


class AsbComplaint(models.Model):
    """A complaint of anti-social behaviour to a relevant body: the unit the ASB Case
    Review threshold counts (made within one month of the behaviour)."""

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", db_comment="received by"
    )
    case = models.ForeignKey(
        Case,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="asb_complaints",
    )
    complainant = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    behaviour_on = models.DateField(db_comment="when the behaviour happened")
    reported_on = models.DateField(db_comment="when the complaint was made")
    description = models.TextField()
    causes_harassment = models.BooleanField(
        default=True,
        db_comment="harassment, alarm or distress (s.104 needs it; nuisance alone not)",
    )
    place = models.ForeignKey(
        Place, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-reported_on", "-id"]
        db_table_comment = "ASB complaints (personal data)"


class AsbRiskAssessment(models.Model):
    """A victim vulnerability and risk assessment (matrix) on an ASB case; its score
    sets the risk level, the response and the review interval."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="asb_assessments"
    )
    complainant = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessed_on = models.DateField()
    answers = models.JSONField(db_comment="question key -> score")
    score = models.PositiveSmallIntegerField()
    risk_level = models.CharField(max_length=10, choices=RiskLevel.choices)
    review_interval_days = models.PositiveSmallIntegerField()
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-assessed_on", "-id"]
        db_table_comment = "ASB victim risk assessments (personal data)"


class AsbIntervention(models.Model):
    """An intervention on an ASB case, from a warning to a closure order."""

    class Kind(models.TextChoices):
        WARNING = "warning", "Warning letter"
        ABC = "abc", "Acceptable behaviour contract"
        CPW = "cpw", "Community protection warning"
        CPN = "cpn", "Community protection notice"
        INJUNCTION = "injunction", "Civil injunction"
        CLOSURE_NOTICE = "closure_notice", "Closure notice"
        CLOSURE_ORDER = "closure_order", "Closure order"
        CBO = "cbo", "Criminal behaviour order"
        MEDIATION = "mediation", "Mediation"
        SUPPORT = "support", "Support referral"

    class Outcome(models.TextChoices):
        PENDING = "pending", "In force / pending"
        COMPLIED = "complied", "Complied with"
        BREACHED = "breached", "Breached"
        DISCHARGED = "discharged", "Discharged or expired"
        REFUSED = "refused", "Refused by the court"

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="asb_interventions"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    subject = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_comment="the person it is served on",
    )
    issued_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(
        max_length=12, choices=Outcome.choices, default=Outcome.PENDING
    )
    outcome_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        db_table_comment = "ASB interventions (personal data)"


class AsbCaseReview(models.Model):
    """An ASB Case Review ("community trigger") application and the review it leads to
    (Anti-social Behaviour, Crime and Policing Act 2014, s.104)."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        THRESHOLD_NOT_MET = "threshold_not_met", "Threshold not met"
        REVIEW_DUE = "review_due", "Threshold met: review to hold"
        REVIEW_HELD = "review_held", "Review held"
        CLOSED = "closed", "Closed"

    reference = models.CharField(max_length=30, unique=True)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", db_comment="received by"
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="reviews"
    )
    applicant = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    on_behalf_of_victim = models.BooleanField(default=False)
    received_on = models.DateField()
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    complaints = models.ManyToManyField(AsbComplaint, blank=True, related_name="+")
    threshold_met = models.BooleanField(null=True, db_comment="null until decided")
    threshold_detail = models.JSONField(
        default=dict, db_comment="the threshold check's reasons"
    )
    acknowledged_on = models.DateField(null=True, blank=True)
    decision_on = models.DateField(null=True, blank=True)
    review_held_on = models.DateField(null=True, blank=True)
    chair = models.CharField(max_length=200, blank=True)
    applicant_told_on = models.DateField(
        null=True, blank=True, db_comment="outcome given to the applicant"
    )
    outcome = models.TextField(blank=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-received_on", "-id"]
        db_table_comment = "ASB Case Review applications (personal data)"


class AsbRecommendation(models.Model):
    """A recommendation an ASB Case Review made, with its owner and progress."""

    review = models.ForeignKey(
        AsbCaseReview, on_delete=models.CASCADE, related_name="recommendations"
    )
    text = models.TextField()
    owner_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)

    class Meta:
        db_table_comment = "ASB Case Review recommendations"


class NrmReferral(models.Model):
    """A National Referral Mechanism referral of a potential victim of modern slavery,
    made by a first responder organisation, and the Home Office's decisions."""

    class AgeGroup(models.TextChoices):
        ADULT = "adult", "Adult"
        CHILD = "child", "Child (under 18)"

    class Decision(models.TextChoices):
        PENDING = "pending", "Awaiting decision"
        POSITIVE = "positive", "Positive"
        NEGATIVE = "negative", "Negative"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Exploitation(models.TextChoices):
        LABOUR = "labour", "Labour"
        SEXUAL = "sexual", "Sexual"
        CRIMINAL = "criminal", "Criminal (including county lines)"
        DOMESTIC_SERVITUDE = "domestic_servitude", "Domestic servitude"
        ORGAN_HARVESTING = "organ_harvesting", "Organ harvesting"
        UNKNOWN = "unknown", "Not known"

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="nrm_referrals"
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", db_comment="first responder"
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    potential_victim = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    age_group = models.CharField(max_length=5, choices=AgeGroup.choices)
    exploitation = models.JSONField(default=list, db_comment="Exploitation values")
    consented = models.BooleanField(
        db_comment="adult consent to NRM referral (children need none)"
    )
    duty_to_notify_only = models.BooleanField(
        default=False, db_comment="adult declined: anonymous Duty to Notify instead"
    )
    referred_on = models.DateField()
    reasonable_grounds = models.CharField(
        max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    reasonable_grounds_on = models.DateField(null=True, blank=True)
    conclusive_grounds = models.CharField(
        max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    conclusive_grounds_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-referred_on", "-id"]
        db_table_comment = "NRM referrals (personal data, special category)"
