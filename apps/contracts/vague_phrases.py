"""The phrases the contract vague-language check flags, kept as data.

Each entry is a place where accountability disappears from a contract: the wording promises effort,
judgement or speed without saying what result is owed, by when, or how anyone would know it was missed.
The ``why`` is shown next to the highlighted text, so it is one plain-English sentence that also says
what to write instead.

Editing this list changes what the check finds; no code changes are needed. Phrases are lower-case and
single-spaced: the matcher (``apps.contracts.vague_language``) ignores case, treats any run of whitespace
or a hyphen between words as the same separator, and matches whole words only. So "best efforts" also
finds "Best-Efforts" and "best" and "efforts" split across two lines, but "adequate" does not find
"adequately".
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VaguePhrase:
    """A phrase to flag and the reason it weakens the contract."""

    phrase: str
    why: str


VAGUE_PHRASES: tuple[VaguePhrase, ...] = (
    # -- effort instead of outcome ---------------------------------------------------------------
    VaguePhrase(
        "best efforts",
        "It promises trying rather than a result; state the outcome owed, the deadline and the remedy if it is missed.",
    ),
    VaguePhrase(
        "best endeavours",
        "It promises trying rather than a result; state the outcome owed, the deadline and the remedy if it is missed.",
    ),
    VaguePhrase(
        "reasonable efforts",
        "It lets the vendor stop whenever trying harder seems unreasonable to them; state the result and deadline instead.",
    ),
    VaguePhrase(
        "reasonable endeavours",
        "It lets the vendor stop whenever trying harder seems unreasonable to them; state the result and deadline instead.",
    ),
    VaguePhrase(
        "commercially reasonable",
        "It lets the vendor weigh its own costs against the obligation; state the service level that must be met.",
    ),
    VaguePhrase(
        "endeavour to",
        "It commits only to attempting the task; write that the vendor will do it, with a measurable result and date.",
    ),
    VaguePhrase(
        "endeavor to",
        "It commits only to attempting the task; write that the vendor will do it, with a measurable result and date.",
    ),
    # -- quality nobody can measure --------------------------------------------------------------
    VaguePhrase(
        "industry standard",
        "No single industry standard exists to hold anyone to; name the standard (e.g. ISO 27001, OWASP ASVS) or the KPI target.",
    ),
    VaguePhrase(
        "best practice",
        "Best practice is whatever the vendor says it is; name the specific practice, standard or measurable criterion.",
    ),
    VaguePhrase(
        "high quality",
        "Quality without a measure cannot be breached; set targets such as a maximum defect rate or acceptance criteria.",
    ),
    VaguePhrase(
        "reasonable support",
        "Nobody can tell when support stops being reasonable; set support hours, channels and response and resolution times.",
    ),
    VaguePhrase(
        "adequate",
        "Adequacy is decided after the fact by whoever benefits; state the quantity, capacity or level that is required.",
    ),
    VaguePhrase(
        "good faith",
        "Good faith cannot be measured or enforced; describe the process, the deadline and the escalation path instead.",
    ),
    # -- time without a deadline -----------------------------------------------------------------
    VaguePhrase(
        "as soon as possible",
        "It sets no deadline, so lateness can never be proven; give a time limit in hours or business days.",
    ),
    VaguePhrase(
        "as soon as practicable",
        "It sets no deadline, so lateness can never be proven; give a time limit in hours or business days.",
    ),
    VaguePhrase(
        "as soon as reasonably practicable",
        "It sets no deadline, so lateness can never be proven; give a time limit in hours or business days.",
    ),
    VaguePhrase(
        "promptly",
        "Promptly means different things to each party; give a time limit in hours or business days.",
    ),
    VaguePhrase(
        "timely manner",
        "It sets no deadline, so lateness can never be proven; give a time limit in hours or business days.",
    ),
    VaguePhrase(
        "reasonable time",
        "It leaves the deadline to be argued about later; give a time limit in hours or business days.",
    ),
    VaguePhrase(
        "from time to time",
        "It sets no frequency, so it never becomes due; state how often (e.g. monthly) and by which date.",
    ),
    VaguePhrase(
        "periodically",
        "It sets no frequency, so it never becomes due; state how often (e.g. monthly) and by which date.",
    ),
    VaguePhrase(
        "time permitting",
        "It makes the obligation optional whenever the vendor is busy; make it unconditional or drop it.",
    ),
    # -- obligations that are optional -----------------------------------------------------------
    VaguePhrase(
        "where possible",
        "It lets the vendor decide that the obligation does not apply; list the exceptions explicitly instead.",
    ),
    VaguePhrase(
        "to the extent possible",
        "It lets the vendor decide how much of the obligation applies; state what must be done and list any exceptions.",
    ),
    VaguePhrase(
        "if feasible",
        "It lets the vendor decide that the obligation does not apply; list the exceptions explicitly instead.",
    ),
    VaguePhrase(
        "where appropriate",
        "It leaves the vendor to judge when the obligation applies; state the conditions that trigger it.",
    ),
    VaguePhrase(
        "as needed",
        "It does not say who decides what is needed or when; state the trigger, the owner and the response time.",
    ),
    VaguePhrase(
        "to be agreed",
        "An agreement to agree later binds nobody; agree the term now or state what applies if no agreement is reached.",
    ),
    # -- scope that leaks ------------------------------------------------------------------------
    VaguePhrase(
        "generally",
        "It implies exceptions without naming them; state the rule and list each exception.",
    ),
    VaguePhrase(
        "etc.",
        "It leaves the list open, so nobody knows what else is included; list every item that is meant.",
    ),
)
