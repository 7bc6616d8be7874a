"""The upload form of an evidence file (the checks of the content are the service's)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

from apps.documents.choices import EvidenceKind
from apps.documents.sniffing import allowed_sentence, human_size


class EvidenceUploadForm(forms.Form):
    kind = forms.ChoiceField(label="Kind")
    title = forms.CharField(
        label="Title",
        max_length=200,
        required=False,
        help_text="Empty: the kind's name. The same kind and title again is the next version; older ones are kept.",
    )
    file = forms.FileField(label="File", max_length=255, allow_empty_file=False)
    note = forms.CharField(label="Note", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, kinds: Iterable[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from django.conf import settings

        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = [(kind, EvidenceKind(kind).label) for kind in kinds]
        self.fields["file"].help_text = (
            f"{allowed_sentence()}; at most {human_size(settings.EVIDENCE_MAX_BYTES)}. "
            "The type is recognised from the content, not the name."
        )
