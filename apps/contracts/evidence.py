"""Contracts carry evidence files (``apps.documents``): the signed contract and its amendments. A signed
contract or an amendment uploaded as a PDF or a Word document (DOCX) fills the contract's text through
``contract_update``, so the vague-language check runs on the real contract:

- a **signed contract** replaces the text (a new version of it is the contract as now signed);
- an **amendment** is added at the end of the text under a heading naming it and its version.

A file whose text cannot be read (encrypted, damaged, a scan without a text layer) or that would make
the text longer than a contract's text may be is still kept; the text stays as it was and the uploader
is told why. Registered from ``ContractsConfig.ready``, with the contract page's *Evidence* panel.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from apps.contracts.models import CONTRACT_TEXT_MAX_CHARS, Contract
from apps.contracts.sections import CONTRACT_PAGE
from apps.contracts.selectors import contract_list
from apps.contracts.services import contract_update
from apps.contracts.vague_language import contract_vague_language_findings
from apps.core.sections import register_section
from apps.documents.choices import EvidenceKind
from apps.documents.models import EvidenceFile
from apps.documents.panels import evidence_section_context
from apps.documents.registry import register_evidence_subject
from apps.documents.text import TEXT_MEDIA_TYPES, TextUnreadable, document_text

TEXT_KINDS = (EvidenceKind.SIGNED_CONTRACT, EvidenceKind.AMENDMENT)


def contract_text_from_evidence(evidence: EvidenceFile, actor: Any | None) -> str | None:
    """``on_upload`` of a contract: fill its text from a signed contract or amendment (PDF or DOCX), in
    the upload's transaction. Returns what happened, for the uploader."""
    if evidence.kind not in TEXT_KINDS or evidence.media_type not in TEXT_MEDIA_TYPES:
        return None
    try:
        text = document_text(evidence)
    except TextUnreadable as exc:
        return f"Its text could not be read ({exc.message}); the contract's text is unchanged."
    if not text:
        return "It holds no text (a scan without a text layer?); the contract's text is unchanged."
    contract = Contract.objects.select_for_update().get(pk=evidence.object_id)
    if evidence.kind == EvidenceKind.AMENDMENT and contract.text.strip():
        heading = f"Amendment: {evidence.title} (version {evidence.version})"
        text = f"{contract.text.rstrip()}\n\n{heading}\n{'-' * len(heading)}\n\n{text}"
    if len(text) > CONTRACT_TEXT_MAX_CHARS:
        return (
            f"Its text is {len(text):,} characters, more than a contract's text may hold "
            f"({CONTRACT_TEXT_MAX_CHARS:,}); the contract's text is unchanged."
        )
    contract_update(instance=contract, actor=actor, data={"text": text})
    found = len(contract_vague_language_findings(text))
    where = "now comes from it" if evidence.kind == EvidenceKind.SIGNED_CONTRACT else "now includes it"
    return f"The contract's text {where}: {found} vague phrase{'' if found == 1 else 's'} found."


def _may_view(user: Any, contract: Contract) -> bool:
    return bool(contract_list(user=user).filter(pk=contract.pk).exists())


def _may_upload(user: Any, contract: Contract) -> bool:
    return bool(user.has_perm("contracts.change_contract"))


def register_contract_evidence() -> None:
    register_evidence_subject(
        Contract,
        kinds=[*TEXT_KINDS, EvidenceKind.OTHER],
        may_view=_may_view,
        may_upload=_may_upload,
        on_upload=contract_text_from_evidence,
    )


@register_section(CONTRACT_PAGE, key="evidence", label="Evidence", template="documents/evidence_section.html", order=90)
def contract_evidence_panel(request: HttpRequest, contract: Contract) -> dict[str, Any]:
    return evidence_section_context(
        request,
        [("", [contract])],
        next_url=contract.get_absolute_url(),
        hint="A signed contract or amendment as PDF or DOCX fills the contract's text below.",
        show_subject=False,
    )
