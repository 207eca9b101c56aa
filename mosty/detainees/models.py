"""The detainee and political-prisoner registry: sources (each organisation's lists), their records, linkage
runs that merge records into persons, the review queue and human decisions.

Keys and visibility:
- a record's identifying fields (names, dates, places, citizenship, notes) are encrypted under the record's own
  data key, owned by the organisation that imported it; its status is in clear (counts by status need it, and a
  status alone names nobody), and so is its `record_id`, the list's own reference number, which the import
  requires to be a short reference without spaces (never a name);
- a source's name is in clear, its description and column mapping (the file's header texts) are encrypted;
- sharing a source with another organisation wraps the source's and every record's data key for it (and the
  keys of records imported later), unsharing removes those wrappings: the keys, not a query filter, decide who
  can read a record;
- blind indexes on the family name and the birth date are keyed per owning organisation (never shared) and
  computed on the linkage package's canonical keys (`mosty.linkage.names.name_key`, partial dates in ISO form),
  so that Шевченко, Shevchenko and Schewtschenko find each other, and 12.05.1987 finds 1987-05-12;
- runs, persons, review pairs and decisions belong to the organisation that ran or decided them; they hold
  record ids, probabilities and comparison labels ("family agrees"), never a value.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mosty.accounts.models import Organisation, User
from mosty.core.crypto.fields import (
    BlindIndexField,
    EncryptedJSONField,
    EncryptedRecord,
    EncryptedTextField,
    default_normaliser,
)
from mosty.detainees import statuses


def family_name_key(value: Any) -> str:
    """Blind-index form of a family name: the linkage package's canonical Latin key, in any script and
    transliteration (Шевченко, Shevchenko, Szewczenko and Chevtchenko share it); the plain form for a name
    without letters it can key."""
    from mosty.linkage.names import name_key

    return name_key(str(value)) or default_normaliser(value)


def partial_date_key(value: Any) -> str:
    """Blind-index form of a partial date: ISO (1987, 1987-05, 1987-05-12) whatever the written form."""
    from mosty.linkage.dates import parse_partial_date

    parsed = parse_partial_date(str(value))
    return parsed.iso() if parsed is not None else default_normaliser(value)


class Status(models.TextChoices):
    DETAINED = statuses.DETAINED, _("Detained")
    SENTENCED = statuses.SENTENCED, _("Sentenced")
    IN_CUSTODY = statuses.IN_CUSTODY, _("In custody")
    RELEASED = statuses.RELEASED, _("Released")
    EXCHANGED = statuses.EXCHANGED, _("Exchanged")
    MISSING = statuses.MISSING, _("Missing")
    DECEASED = statuses.DECEASED, _("Deceased")
    UNKNOWN = statuses.UNKNOWN, _("Unknown")


class Source(EncryptedRecord):
    """One organisation's list of detained or missing people (a spreadsheet it keeps and re-imports).

    Its name is in clear (lists are chosen by it); its description and its column mapping are encrypted under the
    source's own data key, shared with the organisations the source is shared with. The mapping holds the file's
    header texts, and a file uploaded without a header row would put a first row of names there."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="detainee_sources")
    name = models.CharField(
        _("name"), max_length=120, help_text=_("What your organisation calls the list. No names of people.")
    )
    description = EncryptedTextField(
        _("description"),
        null=True,
        blank=True,
        validators=[MaxLengthValidator(1000)],
        help_text=_("What the list covers and how it is kept."),
    )
    column_mapping = EncryptedJSONField(
        _("column mapping"),
        null=True,
        blank=True,
        help_text=_("Our field -> the header of the file's column, remembered from the last import."),
    )
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_import_at = models.DateTimeField(null=True, blank=True)
    last_import_stats = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="detainee_source_name_per_org")]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self) -> str:
        return self.name


class SourceShare(models.Model):
    """A source shared with another organisation: every record's data key is wrapped for it too."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="shares")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="detainee_sources_shared")
    shared_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    shared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "organisation"], name="detainee_share_once")]
        verbose_name = _("shared source")
        verbose_name_plural = _("shared sources")

    def __str__(self) -> str:
        return f"source {self.source_id} -> organisation {self.organisation_id}"


def _text(label: Any, max_length: int) -> EncryptedTextField:
    return EncryptedTextField(label, null=True, blank=True, validators=[MaxLengthValidator(max_length)])


class DetaineeRecord(EncryptedRecord):
    """One source's record of one person. Everything identifying is encrypted (see the module docstring)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="records")
    record_id = models.CharField(_("record id"), max_length=64)
    family_name = _text(_("family name"), 200)
    given_name = _text(_("given name"), 200)
    patronymic = _text(_("patronymic"), 200)
    birth_date = _text(_("birth date"), 10)
    birth_place = _text(_("birth place"), 300)
    citizenship = _text(_("citizenship"), 100)
    detention_date = _text(_("detention date"), 10)
    detention_place = _text(_("place of detention"), 300)
    notes = _text(_("notes"), 5000)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.UNKNOWN)
    family_name_index = BlindIndexField(source="family_name", expected_rows=1_000_000, normaliser=family_name_key)
    birth_date_index = BlindIndexField(source="birth_date", expected_rows=1_000_000, normaliser=partial_date_key)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    ENCRYPTED_FIELDS = (
        "family_name", "given_name", "patronymic", "birth_date", "birth_place", "citizenship", "detention_date",
        "detention_place", "notes",
    )  # fmt: skip

    class Meta:
        ordering = ["source_id", "record_id"]
        constraints = [models.UniqueConstraint(fields=["source", "record_id"], name="detainee_record_id_per_source")]
        indexes = [models.Index(fields=["source", "status"])]
        verbose_name = _("detainee record")
        verbose_name_plural = _("detainee records")

    def __str__(self) -> str:
        # The reference, never a name: __str__ ends up in logs and admin messages.
        return f"{self.source_id}/{self.record_id}"


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")
    FAILED = "failed", _("Failed")


class LinkRun(models.Model):
    """One linkage of the sources an organisation may read into persons, with the count and its interval."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="detainee_runs")
    sources = models.ManyToManyField(Source, related_name="runs")
    started_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    progress = models.CharField(max_length=200, blank=True, default="")
    error = models.CharField(max_length=100, blank=True, default="")
    parameters = models.JSONField(default=dict, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    records_count = models.PositiveIntegerField(default=0)
    persons_count = models.PositiveIntegerField(default=0)
    pairs_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["organisation", "status", "-started_at"])]
        verbose_name = _("linkage run")
        verbose_name_plural = _("linkage runs")

    def __str__(self) -> str:
        return f"run {self.pk}"


class PersonCluster(models.Model):
    """A person: the records one run joined."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    run = models.ForeignKey(LinkRun, on_delete=models.CASCADE, related_name="persons")
    number = models.PositiveIntegerField()
    label = models.CharField(max_length=16)
    size = models.PositiveIntegerField()
    min_probability = models.FloatField(null=True, blank=True)
    max_probability = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["run_id", "number"]
        constraints = [models.UniqueConstraint(fields=["run", "number"], name="detainee_person_number_per_run")]
        verbose_name = _("person")
        verbose_name_plural = _("persons")

    def __str__(self) -> str:
        return self.label


class ClusterMember(models.Model):
    """One record of a person, with its match probability (its strongest link to another record of the person;
    None for a person with one record)."""

    run = models.ForeignKey(LinkRun, on_delete=models.CASCADE, related_name="+")
    cluster = models.ForeignKey(PersonCluster, on_delete=models.CASCADE, related_name="members")
    record = models.ForeignKey(DetaineeRecord, on_delete=models.CASCADE, related_name="memberships")
    match_probability = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "record"], name="detainee_record_once_per_run")]

    def __str__(self) -> str:
        return f"record {self.record_id} in {self.cluster_id}"


class CandidatePair(models.Model):
    """An uncertain pair of a run, for the review queue: ids, the probability and the comparison labels."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    run = models.ForeignKey(LinkRun, on_delete=models.CASCADE, related_name="pairs")
    left = models.ForeignKey(DetaineeRecord, on_delete=models.CASCADE, related_name="+")
    right = models.ForeignKey(DetaineeRecord, on_delete=models.CASCADE, related_name="+")
    match_probability = models.FloatField()
    match_weight = models.FloatField()
    comparisons = models.JSONField(default=dict)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["run_id", "position"]
        constraints = [models.UniqueConstraint(fields=["run", "left", "right"], name="detainee_pair_once_per_run")]
        verbose_name = _("review pair")
        verbose_name_plural = _("review pairs")

    def __str__(self) -> str:
        return f"pair {self.pk}"


class Verdict(models.TextChoices):
    SAME = "same", _("Same person")
    DIFFERENT = "different", _("Different persons")
    UNSURE = "unsure", _("Unsure")


class ReviewDecision(models.Model):
    """A person's verdict on two records, for the organisation's later runs. `left` is the record with the smaller
    id, so a pair has one decision per organisation whichever way round it was shown."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    left = models.ForeignKey(DetaineeRecord, on_delete=models.CASCADE, related_name="+")
    right = models.ForeignKey(DetaineeRecord, on_delete=models.CASCADE, related_name="+")
    decision = models.CharField(_("decision"), max_length=10, choices=Verdict.choices)
    run = models.ForeignKey(LinkRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "left", "right"], name="detainee_decision_once_per_org")
        ]
        verbose_name = _("review decision")
        verbose_name_plural = _("review decisions")

    def __str__(self) -> str:
        return f"decision {self.pk}"
