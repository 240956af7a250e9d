"""The SafeLives Dash risk identification checklist (Dash RIC) and its scoring.

Pure functions over plain values: no models, no database, nothing stored or audited.
The checklist has 24 questions, asked of the victim; 14 or more "yes" answers is
*visible high risk* and a Marac referral criterion. Professional judgement may raise a
case to high risk whatever the count, but never lowers an actuarial score.

Sources:
    SafeLives, "Dash risk checklist" (2015 edition) and "Resources for identifying the
    risk victims face": https://safelives.org.uk/practice-support/resources-identifying-risk-victims-face
    SafeLives, "Marac referral criteria and form":
    https://safelives.org.uk/resources-library/marac-referral-criteria-and-form/
    Plymouth SCB, "SafeLives Dash RIC checklist" (local medium band, 10 to 13):
    https://plymouthscb.co.uk/safe-lives-dash-ric-checklist
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

DASH_QUESTION_COUNT = 24
"""Questions on the SafeLives Dash RIC."""

VISIBLE_HIGH_RISK_THRESHOLD = 14
"""SafeLives: 14 or more "yes" answers is visible high risk (refer to Marac)."""

MEDIUM_RISK_THRESHOLD = 10
"""Plymouth's local banding: 10 to 13 "yes" is medium, below 10 standard."""


@dataclass(frozen=True)
class DashQuestion:
    """One checklist question.

    Attributes:
        number: Its number on the SafeLives form, 1 to 24.
        text: The SafeLives wording, shortened ("(name of abuser)" as "the abuser").
    """

    number: int
    text: str


DASH_QUESTIONS: tuple[DashQuestion, ...] = tuple(
    DashQuestion(number, text)
    for number, text in enumerate(
        (
            "Has the current incident resulted in injury?",
            "Are you very frightened?",
            "What are you afraid of? Is it further injury or violence?",
            "Do you feel isolated from family or friends?",
            "Are you feeling depressed or having suicidal thoughts?",
            "Have you separated or tried to separate from the abuser within the "
            "past year?",
            "Is there conflict over child contact?",
            "Does the abuser constantly text, call, contact, follow, stalk or "
            "harass you?",
            "Are you pregnant or have you recently had a baby (within the last "
            "18 months)?",
            "Is the abuse happening more often?",
            "Is the abuse getting worse?",
            "Does the abuser try to control everything you do and/or are they "
            "excessively jealous?",
            "Has the abuser ever used weapons or objects to hurt you?",
            "Has the abuser ever threatened to kill you or someone else and you "
            "believed them?",
            "Has the abuser ever attempted to strangle, choke, suffocate or drown you?",
            "Does the abuser do or say things of a sexual nature that make you feel "
            "bad or that physically hurt you or someone else?",
            "Is there any other person who has threatened you or who you are "
            "afraid of?",
            "Do you know if the abuser has hurt anyone else (children, siblings, an "
            "elderly relative, a stranger, a previous partner or another person)?",
            "Has the abuser ever mistreated an animal or the family pet?",
            "Are there any financial issues (for example, dependence on the abuser "
            "for money, or recent loss of employment)?",
            "Has the abuser had problems in the past year with drugs, alcohol or "
            "mental health leading to problems in leading a normal life?",
            "Has the abuser ever threatened or attempted suicide?",
            "Has the abuser ever broken bail, an injunction and/or any formal "
            "agreement for when they can see you and/or the children?",
            "Do you know if the abuser has ever been in trouble with the police or "
            "has a criminal history?",
        ),
        start=1,
    )
)


class RiskLevel(StrEnum):
    """The level a checklist puts a victim at."""

    STANDARD = "standard"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True)
class DashResult:
    """A scored checklist.

    Attributes:
        yes_count: How many questions were answered "yes".
        visible_high_risk: ``yes_count`` is 14 or more (SafeLives).
        risk_level: ``high`` if visible high risk or professional judgement says so;
            otherwise ``medium`` (10 to 13 "yes", Plymouth's band) or ``standard``.
        unanswered: Numbers of the questions left unanswered (``None``), in order.
        professional_judgement: Whether a practitioner judged the risk high.
        judgement_reason: Their stated reason (free text, as given).
    """

    yes_count: int
    visible_high_risk: bool
    risk_level: RiskLevel
    unanswered: tuple[int, ...]
    professional_judgement: bool = False
    judgement_reason: str = ""

    @property
    def raised_by_judgement(self) -> bool:
        """Whether judgement alone made the level high (the count did not)."""
        return self.professional_judgement and not self.visible_high_risk


def score_dash(
    answers: Sequence[bool | None],
    *,
    professional_judgement: bool = False,
    judgement_reason: str = "",
) -> DashResult:
    """Score a SafeLives Dash risk checklist.

    Following SafeLives, 14 or more "yes" answers is visible high risk. Professional
    judgement can raise the level to high whatever the count; it can never lower it
    (there is no way to pass a judgement of lower risk). Unanswered questions
    (``None``) count as not "yes" and are listed, so a form with gaps is visible.

    Args:
        answers: Exactly 24 answers in question order: ``True`` (yes), ``False`` (no)
            or ``None`` (not answered / not known).
        professional_judgement: A practitioner judges the victim at high risk.
        judgement_reason: Why (SafeLives asks for the reasons to be recorded).

    Returns:
        The scored checklist.

    Raises:
        ValueError: Not exactly 24 answers, an answer that is not ``True``,
            ``False`` or ``None``, or a ``professional_judgement`` that is not a bool.
    """
    if isinstance(answers, str | bytes) or not isinstance(answers, Sequence):
        raise ValueError(
            f"answers must be a sequence of {DASH_QUESTION_COUNT} answers, "
            f"not {type(answers).__name__}"
        )
    if len(answers) != DASH_QUESTION_COUNT:
        raise ValueError(
            f"the Dash checklist has {DASH_QUESTION_COUNT} questions; "
            f"got {len(answers)} answers"
        )
    for number, answer in enumerate(answers, start=1):
        # bool only: 1 and "yes" are not answers (and 1 == True would slip through).
        if answer is not None and not isinstance(answer, bool):
            raise ValueError(
                f"answer to question {number} must be true, false or null, "
                f"not {answer!r}"
            )
    if not isinstance(professional_judgement, bool):
        raise ValueError("professional_judgement must be true or false")
    yes_count = sum(1 for answer in answers if answer is True)
    visible_high_risk = yes_count >= VISIBLE_HIGH_RISK_THRESHOLD
    if visible_high_risk or professional_judgement:
        level = RiskLevel.HIGH
    elif yes_count >= MEDIUM_RISK_THRESHOLD:
        level = RiskLevel.MEDIUM
    else:
        level = RiskLevel.STANDARD
    return DashResult(
        yes_count=yes_count,
        visible_high_risk=visible_high_risk,
        risk_level=level,
        unanswered=tuple(
            number for number, answer in enumerate(answers, start=1) if answer is None
        ),
        professional_judgement=professional_judgement,
        judgement_reason=judgement_reason.strip(),
    )
