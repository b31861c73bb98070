from __future__ import annotations

from typing import Any

from django import forms

from carecast.accounts.services import ORG_EDITABLE
from carecast.core.models import Brand, Organization


class ContentItemForm(forms.Form):
    brand = forms.ModelChoiceField(queryset=Brand.objects.none(), label="Brand or facility", empty_label=None)
    title = forms.CharField(max_length=200, help_text="For your team; not published.")
    kind = forms.ChoiceField(
        choices=[
            ("post", "Post"),
            ("patient_story", "Patient story (needs the patient's signed authorisation)"),
            ("reply", "Public reply to someone's post"),
        ],
        initial="post",
        label="Kind",
        required=False,
    )
    reply_to = forms.CharField(
        required=False,
        max_length=500,
        label="Replying to (address of their post)",
        help_text="Public replies only: the post's at:// address or its https://bsky.app link.",
    )
    reply_context = forms.CharField(
        required=False,
        max_length=5000,
        label="What they wrote",
        help_text="Public replies only: paste their post. It is checked against your reply, never published.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=5000)
    image = forms.FileField(
        required=False,
        help_text="JPEG, PNG, GIF or WebP, up to 8 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}),
    )
    alt_text = forms.CharField(
        required=False,
        max_length=1000,
        label="Alt text",
        help_text="Required with an image: describe it for people who cannot see it.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    remove_image = forms.BooleanField(required=False, label="Remove the current image")
    publish_at = forms.CharField(
        required=False, label="Publish at", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        brand_field = self.fields["brand"]
        assert isinstance(brand_field, forms.ModelChoiceField)
        brand_field.queryset = Brand.objects.filter(organization=organization)
        self.fields[
            "publish_at"
        ].help_text = f"Local time in {organization.time_zone}. Leave empty to decide later."


class ScheduleForm(forms.Form):
    publish_at = forms.CharField(
        required=False, label="Publish at", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


class ReviewForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Request changes")])
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Comment")
    password = forms.CharField(
        required=False, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    otp_code = forms.CharField(required=False, max_length=8, label="Or a two-factor code")
    reason = forms.CharField(required=False, max_length=500, label="Reason for your signature")


class OrganizationSettingsForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = list(ORG_EDITABLE)

    def clean_idle_timeout_minutes(self) -> int:
        value = self.cleaned_data["idle_timeout_minutes"]
        if not 2 <= value <= 120:
            raise forms.ValidationError("Choose between 2 and 120 minutes.")
        return value
