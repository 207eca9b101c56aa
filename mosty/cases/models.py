"""Support cases: the person, the case with its workflow state, tasks, notes, messages with the applicant,
attachments, the timeline; consent, referrals between organisations, vouching; exports waiting for a second
person's approval; per-organisation settings of each support type.

Keys: a person's identity is encrypted under the person's data key; a case's summary, details, tasks and
messages under the case's data key; its notes under a separate notes key; each attachment under its own. A
referral shares exactly the keys of the parts it names, and revoking it unshares them. Retention shreds the
keys, which makes every ciphertext under them unreadable for good.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mosty.accounts.models import Organisation, User
from mosty.core.crypto.fields import (
    BlindIndexField,
    EncryptedDateField,
    EncryptedJSONField,
    EncryptedRecord,
    EncryptedTextField,
    default_normaliser,
)
from mosty.registry.models import Initiative, Region, SupportType


def name_normaliser(value: Any) -> str:
    """Blind-index form of a name: NFKC, case-folded, whitespace collapsed, ё as е (the same person is written
    both ways)."""  # noqa: RUF002
    return default_normaliser(value).replace("ё", "е")  # noqa: RUF001


class Person(EncryptedRecord):
    """Someone an organisation helps. `label` is a pseudonymous handle for lists and conversation; everything
    that identifies the person is encrypted, and names and birth date have blind indexes for exact search."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="persons")
    label = models.CharField(_("label"), max_length=24)
    family_name = EncryptedTextField(_("family name"), null=True, blank=True, validators=[MaxLengthValidator(200)])
    given_name = EncryptedTextField(_("given name"), null=True, blank=True, validators=[MaxLengthValidator(200)])
    patronymic = EncryptedTextField(_("patronymic"), null=True, blank=True, validators=[MaxLengthValidator(200)])
    aliases = EncryptedTextField(_("other names"), null=True, blank=True, validators=[MaxLengthValidator(500)])
    birth_date = EncryptedDateField(_("birth date"), null=True, blank=True)
    citizenship = EncryptedTextField(_("citizenship"), null=True, blank=True, validators=[MaxLengthValidator(100)])
    contact = EncryptedTextField(_("contact"), null=True, blank=True, validators=[MaxLengthValidator(1000)])
    family_name_index = BlindIndexField(source="family_name", expected_rows=200_000, normaliser=name_normaliser)
    given_name_index = BlindIndexField(source="given_name", expected_rows=200_000, normaliser=name_normaliser)
    birth_date_index = BlindIndexField(source="birth_date", expected_rows=200_000)
    created_at = models.DateTimeField(default=timezone.now)
    shredded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "label"], name="person_label_per_org")]
        verbose_name = _("person")
        verbose_name_plural = _("persons")

    def __str__(self) -> str:
        return self.label


class CaseSource(models.TextChoices):
    STAFF = "staff", _("Entered by staff")
    INTAKE = "intake", _("Public intake form")
    REFERRAL = "referral", _("Referral")


class Case(EncryptedRecord):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="cases")
    reference = models.CharField(_("reference"), max_length=24)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases")
    support_type = models.ForeignKey(SupportType, on_delete=models.PROTECT, related_name="cases")
    state = models.CharField(_("state"), max_length=40)
    risk = models.PositiveSmallIntegerField(
        _("risk"), default=2, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    urgency = models.PositiveSmallIntegerField(
        _("urgency"), default=2, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    triage_score = models.PositiveSmallIntegerField(_("triage score"), default=6, db_index=True)
    assignee = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_cases")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True, related_name="cases")
    summary = EncryptedTextField(_("summary"), null=True, blank=True, validators=[MaxLengthValidator(5000)])
    details = EncryptedJSONField(_("details"), null=True, blank=True)
    notes_key = models.ForeignKey(
        "core.DataKey", null=True, blank=True, editable=False, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(max_length=10, choices=CaseSource.choices, default=CaseSource.STAFF)
    # Argon2id of the applicant's codename under an installation salt: finds the case, reveals nothing.
    codename_lookup = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    next_deadline = models.DateField(null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    retention_until = models.DateField(null=True, blank=True, db_index=True)
    shredded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "reference"], name="case_reference_per_org")]
        indexes = [
            models.Index(fields=["organisation", "state"]),
            models.Index(fields=["organisation", "-triage_score", "-created_at"]),
            models.Index(fields=["organisation", "assignee"]),
            # The queue and the closed list in their display order: their counts and pages become index scans
            # (measured in bench/cases).
            models.Index(
                fields=["organisation", "-triage_score", "-created_at", "id"],
                condition=models.Q(closed_at__isnull=True, shredded_at__isnull=True),
                name="case_open_queue",
            ),
            models.Index(
                fields=["organisation", "-triage_score", "-created_at", "id"],
                condition=models.Q(closed_at__isnull=False, shredded_at__isnull=True),
                name="case_closed_list",
            ),
        ]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return self.reference

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class _CaseKeyed(EncryptedRecord):
    """A record encrypted under its case's data key (shared and shredded with the case)."""

    class Meta:
        abstract = True

    def ensure_data_key(self) -> int:
        if self.data_key_id is None:
            case = self.case  # type: ignore[attr-defined]
            if case.data_key_id is None:
                case.ensure_data_key()
                Case.objects.filter(pk=case.pk).update(data_key=case.data_key_id)
            self.data_key_id = case.data_key_id
        return int(self.data_key_id)


class CaseTask(_CaseKeyed):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    title = EncryptedTextField(_("task"), null=True, validators=[MaxLengthValidator(300)])
    due_date = models.DateField(_("due"), null=True, blank=True)
    assignee = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["done_at", "due_date", "created_at"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")

    def __str__(self) -> str:
        return f"task {self.pk}"


class CaseNote(EncryptedRecord):
    """A caseworker's note: encrypted under the case's notes key, so that a referral can leave notes out."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    body = EncryptedTextField(_("note"), null=True, validators=[MaxLengthValidator(20000)])
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")

    def __str__(self) -> str:
        return f"note {self.pk}"

    def ensure_data_key(self) -> int:
        if self.data_key_id is None:
            from mosty.core.crypto import keyring

            case = self.case
            if case.notes_key_id is None:
                case.notes_key = keyring.data_key_create(owner_organisation_id=case.organisation_id)
                Case.objects.filter(pk=case.pk).update(notes_key=case.notes_key)
            self.data_key_id = case.notes_key_id
        return int(self.data_key_id)  # type: ignore[arg-type]


class MessageDirection(models.TextChoices):
    TO_APPLICANT = "to_applicant", _("To the applicant")
    FROM_APPLICANT = "from_applicant", _("From the applicant")


class CaseMessage(_CaseKeyed):
    """A message between the caseworker and an applicant who checks in with a codename."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=16, choices=MessageDirection.choices)
    body = EncryptedTextField(_("message"), null=True, validators=[MaxLengthValidator(5000)])
    author = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return f"message {self.pk}"


class CaseAttachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = models.OneToOneField("core.EncryptedFile", on_delete=models.CASCADE, related_name="+")
    added_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-added_at"]

    def __str__(self) -> str:
        return f"attachment {self.pk}"


class CaseEvent(models.Model):
    """The case's timeline: what happened and who did it. Codes and ids only; the text is in the template."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=40)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"


class ConsentGiver(models.TextChoices):
    PERSON = "person", _("The person themselves")
    GUARDIAN = "guardian", _("A parent or guardian")
    REPRESENTATIVE = "representative", _("A legal representative")


class ReferralPart(models.TextChoices):
    CASE = "case", _("The case (summary, details, tasks, messages)")
    IDENTITY = "identity", _("The person's identity and contact")
    NOTES = "notes", _("Caseworkers' notes")
    ATTACHMENTS = "attachments", _("Attachments")


class Consent(models.Model):
    """The person's consent to share their case with one organisation, for one purpose, until a date."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="consents")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    recipient = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("shared with")
    )
    given_by = models.CharField(_("given by"), max_length=16, choices=ConsentGiver.choices)
    purpose = models.CharField(
        _("purpose"), max_length=300, help_text=_("What the sharing is for. No names of people.")
    )
    parts = models.JSONField(_("parts"), default=list)
    valid_until = models.DateField(_("valid until"))
    recorded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-recorded_at"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        return f"consent {self.pk}"

    def is_valid(self, on: Any = None) -> bool:
        day = on or timezone.localdate()
        return self.revoked_at is None and self.valid_until >= day


class ConsentEvent(models.Model):
    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=20)  # given, used, revoked, expired
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"


class ReferralStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    REVOKED = "revoked", _("Revoked")


class Referral(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    from_organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="referrals_sent")
    to_organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="referrals_received")
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="referrals")
    parts = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.PENDING)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["to_organisation", "status"])]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")

    def __str__(self) -> str:
        return f"referral {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in {ReferralStatus.PENDING, ReferralStatus.ACCEPTED}


class VouchBasis(models.TextChoices):
    KNOWN_PERSONALLY = "known_personally", _("Known personally")
    WORKED_TOGETHER = "worked_together", _("Worked together")
    DOCUMENTS_SEEN = "documents_seen", _("Documents seen")


class Vouch(models.Model):
    """An organisation's statement that it knows an organisation, an initiative or a person (one of the
    three), on a basis, from a date, until an expiry."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    voucher = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="vouches_given")
    subject_organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="vouches_received"
    )
    subject_initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, null=True, blank=True, related_name="vouches"
    )
    subject_person = models.ForeignKey(Person, on_delete=models.CASCADE, null=True, blank=True, related_name="vouches")
    basis = models.CharField(_("basis"), max_length=20, choices=VouchBasis.choices)
    since = models.DateField(_("since"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_on = models.DateField(_("expires"))
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        subject_organisation__isnull=False, subject_initiative__isnull=True, subject_person__isnull=True
                    )
                    | models.Q(
                        subject_organisation__isnull=True, subject_initiative__isnull=False, subject_person__isnull=True
                    )
                    | models.Q(
                        subject_organisation__isnull=True, subject_initiative__isnull=True, subject_person__isnull=False
                    )
                ),
                name="vouch_has_one_subject",
            ),
        ]
        ordering = ["-created_at"]
        verbose_name = _("vouch")
        verbose_name_plural = _("vouches")

    def __str__(self) -> str:
        return f"vouch {self.pk}"


class CaseTypeSettings(models.Model):
    """An organisation's adjustments to a support type's shipped workflow."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="case_type_settings")
    support_type = models.ForeignKey(SupportType, on_delete=models.CASCADE, related_name="+")
    retention_days = models.PositiveIntegerField(
        _("retention (days)"),
        validators=[MinValueValidator(30), MaxValueValidator(365 * 20)],
        help_text=_("Closed cases are destroyed (their keys shredded) this many days after closing."),
    )
    disabled_states = models.JSONField(default=list, blank=True)
    intake_enabled = models.BooleanField(_("accept public requests"), default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "support_type"], name="one_setting_per_org_and_type")
        ]

    def __str__(self) -> str:
        return f"settings {self.organisation_id}/{self.support_type_id}"


class IntakeWindow(models.Model):
    """Public submissions counted per organisation and time window: flood protection without IP addresses."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "window_start"], name="one_intake_window")]

    def __str__(self) -> str:
        return f"window {self.pk}"


class StatusCheckWindow(models.Model):
    """Codename status checks counted for the whole installation per time window (brute-force protection
    without IP addresses; in the database so that every server process shares one count)."""

    window_start = models.DateTimeField(unique=True)
    count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"status window {self.pk}"


class ExportStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    DOWNLOADED = "downloaded", _("Downloaded")
    EXPIRED = "expired", _("Expired")


class ExportRequest(models.Model):
    """A bulk export of cases: only after a second member approves it, downloadable once, for a day."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    reason = models.CharField(_("reason"), max_length=300)
    filters = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=ExportStatus.choices, default=ExportStatus.REQUESTED)
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"export {self.pk}"
