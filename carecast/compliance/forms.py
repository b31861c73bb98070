from __future__ import annotations

from typing import Any

from django import forms

from carecast.accounts.models import Role
from carecast.compliance.models import PatientAuthorization, PolicyDocument, WorkflowStep
from carecast.content.models import ContentItem

MAX_STEPS = 6


class WorkflowForm(forms.Form):
    """A workflow and up to six steps; empty step rows are ignored."""

    name = forms.CharField(max_length=120)
    content_kind = forms.ChoiceField(choices=ContentItem.Kind.choices, label="For")
    approval_valid_days = forms.IntegerField(
        min_value=0, max_value=365, initial=30, label="Approvals expire after (days, 0 = never)"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        roles = [("", "Any reviewer"), *[(r.value, r.label) for r in Role]]
        for i in range(1, MAX_STEPS + 1):
            self.fields[f"step{i}_name"] = forms.CharField(
                required=False, max_length=120, label=f"Step {i} name"
            )
            self.fields[f"step{i}_role"] = forms.ChoiceField(
                required=False, choices=roles, label="Reviewed by"
            )
            self.fields[f"step{i}_mode"] = forms.ChoiceField(
                choices=WorkflowStep.Mode.choices, label="Approval"
            )
            self.fields[f"step{i}_signature"] = forms.BooleanField(
                required=False, initial=True, label="Signature required"
            )

    def step_rows(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"step{i}_{part}"] for part in ("name", "role", "mode", "signature")]
            for i in range(1, MAX_STEPS + 1)
        ]


class AuthorizationForm(forms.Form):
    person_name = forms.CharField(max_length=200, label="Patient's name (stored encrypted)")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="What it covers")
    purpose = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    channels = forms.MultipleChoiceField(
        choices=[
            ("brand_page", "Brand page and feed"),
            ("bluesky", "Bluesky"),
            ("mastodon", "Mastodon"),
            ("email", "Email newsletter"),
        ],
        widget=forms.CheckboxSelectMultiple,
    )
    media_kinds = forms.MultipleChoiceField(
        choices=PatientAuthorization.Media.choices, label="Media", widget=forms.CheckboxSelectMultiple
    )
    signed_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    expires_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))


class RevokeForm(forms.Form):
    note = forms.CharField(max_length=500, label="How the revocation arrived")


class PolicyForm(forms.Form):
    kind = forms.ChoiceField(choices=PolicyDocument.Kind.choices, widget=forms.HiddenInput)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 14}), label="Text")
    change_note = forms.CharField(required=False, max_length=200, label="What changed")


class SignatureForm(forms.Form):
    password = forms.CharField(
        required=False, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    otp_code = forms.CharField(required=False, max_length=8, label="Or a two-factor code")
    reason = forms.CharField(max_length=500, label="Reason for your signature")


class TemplateForm(SignatureForm):
    name = forms.CharField(max_length=120)
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Use {variable} for the parts that change, e.g. {area} or {until}.",
    )
    field_order = ["name", "text", "password", "otp_code", "reason"]
