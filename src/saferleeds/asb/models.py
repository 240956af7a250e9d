"""Anti-social behaviour: complaints, risk assessments, interventions, Case Reviews."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from saferleeds.incidents.models import Incident
from saferleeds.partners.models import Agency
from saferleeds.people.models import Person
from saferleeds.places.models import Place
from saferleeds.safeguarding.models import Case, RiskLevel


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
        # Moved from the safeguarding app: the table keeps its name.
        db_table = "safeguarding_asbcomplaint"
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
        # Moved from the safeguarding app: the table keeps its name.
        db_table = "safeguarding_asbriskassessment"
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
        # Moved from the safeguarding app: the table keeps its name.
        db_table = "safeguarding_asbintervention"
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
        # Moved from the safeguarding app: the table keeps its name.
        db_table = "safeguarding_asbcasereview"
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
        # Moved from the safeguarding app: the table keeps its name.
        db_table = "safeguarding_asbrecommendation"
        db_table_comment = "ASB Case Review recommendations"
