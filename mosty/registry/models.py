"""The registry: who does what where.

Sectors, support types and regions are shared reference data (names in English, Ukrainian and Russian).
Organisation profiles have a part every organisation on the platform sees and a members-only part, encrypted.
Initiatives are informal groups, often inside Russia: a pseudonym in clear, their description encrypted under
the recording organisation's key and shared, record by record, with the organisations linked to them.
Activities are the 3W rows; needs are requests for help counted by region and sector, to show the gaps.
"""

from __future__ import annotations

import uuid

from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from mosty.accounts.models import Organisation
from mosty.core.crypto.fields import EncryptedRecord, EncryptedTextField

LANGUAGES = ("en", "uk", "ru")


def language_code(language: str | None = None) -> str:
    """One of en/uk/ru for the given (or active) Django language; English for anything else."""
    code = (language or get_language() or "en").split("-")[0].lower()
    return code if code in LANGUAGES else "en"


class TranslatedName(models.Model):
    """A small catalogue entry with its name in the three first languages (extensible in the admin)."""

    slug = models.SlugField(_("code"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=120)
    name_ru = models.CharField(_("name (Russian)"), max_length=120)
    position = models.PositiveSmallIntegerField(_("position"), default=100)

    class Meta:
        abstract = True
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.name()

    def name(self, language: str | None = None) -> str:
        return str(getattr(self, f"name_{language_code(language)}") or self.name_en)


class Sector(TranslatedName):
    class Meta(TranslatedName.Meta):
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")


class SupportType(TranslatedName):
    """A kind of support (humanitarian visa, evacuation, micro-grant, ...). Cases build their workflows on it."""

    class Meta(TranslatedName.Meta):
        verbose_name = _("support type")
        verbose_name_plural = _("support types")


class RegionKind(models.TextChoices):
    SUBDIVISION = "subdivision", _("Region")
    COUNTRY = "country", _("Country")


class Region(models.Model):
    """A region by ISO 3166-2 code (Russia's federal subjects, Ukraine's regions including Crimea and
    Sevastopol) or a country by ISO 3166-1 alpha-2 code (the countries of exile)."""

    code = models.CharField(
        _("code"),
        max_length=6,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$", _("Use an ISO 3166 code, e.g. RU-TA or CZ."))],
    )
    kind = models.CharField(_("kind"), max_length=12, choices=RegionKind.choices)
    country = models.CharField(_("country"), max_length=2, db_index=True)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=120)
    name_ru = models.CharField(_("name (Russian)"), max_length=120)
    is_national_republic = models.BooleanField(
        _("national republic"),
        default=False,
        help_text=_("One of Russia's national republics: the regional and indigenous dimension."),
    )

    class Meta:
        ordering = ["kind", "country", "code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name()

    def name(self, language: str | None = None) -> str:
        return str(getattr(self, f"name_{language_code(language)}") or self.name_en)


class OrganisationProfile(EncryptedRecord):
    """What an organisation tells the network about itself.

    The summary, website, sectors and regions are seen by every organisation on the platform; the contact
    channel and the internal notes only by the organisation's own members (encrypted under its key).
    """

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="profile")
    summary = models.TextField(
        _("summary"),
        blank=True,
        default="",
        validators=[MaxLengthValidator(2000)],
        help_text=_("What the organisation does, for other organisations on the platform. No names of people."),
    )
    website = models.URLField(_("website"), blank=True, default="")
    founded_year = models.PositiveSmallIntegerField(
        _("founded"), null=True, blank=True, validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    sectors = models.ManyToManyField(Sector, blank=True, related_name="profiles", verbose_name=_("sectors"))
    regions = models.ManyToManyField(Region, blank=True, related_name="profiles", verbose_name=_("where it works"))
    contact = EncryptedTextField(
        _("secure contact"),
        null=True,
        blank=True,
        validators=[MaxLengthValidator(1000)],
        help_text=_("How partners reach you safely. Members only, encrypted."),
    )
    internal_notes = EncryptedTextField(
        _("internal notes"),
        null=True,
        blank=True,
        validators=[MaxLengthValidator(5000)],
        help_text=_("Members only, encrypted."),
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("organisation profile")
        verbose_name_plural = _("organisation profiles")

    def __str__(self) -> str:
        return f"profile of organisation {self.organisation_id}"


class Initiative(EncryptedRecord):
    """An informal group known to one or more organisations, under a pseudonym.

    Seen only by the organisation that recorded it and the organisations linked to it; its description is
    encrypted, and its data key is wrapped for each linked organisation (and unwrapped when the link ends).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="recorded_initiatives", verbose_name=_("recorded by")
    )
    codename = models.CharField(
        _("pseudonym"),
        max_length=80,
        help_text=_("A pseudonym, never the group's real name or a member's name."),
    )
    description = EncryptedTextField(
        _("description"), null=True, blank=True, validators=[MaxLengthValidator(5000)], help_text=_("Encrypted.")
    )
    sectors = models.ManyToManyField(Sector, blank=True, related_name="initiatives", verbose_name=_("sectors"))
    regions = models.ManyToManyField(Region, blank=True, related_name="initiatives", verbose_name=_("regions"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["codename"]
        constraints = [models.UniqueConstraint(fields=["organisation", "codename"], name="initiative_codename_per_org")]
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")

    def __str__(self) -> str:
        return self.codename


class LinkKind(models.TextChoices):
    KNOWS = "knows", _("Knows the group")
    PARTNER = "partner", _("Works with the group")
    FUNDS = "funds", _("Funds the group")


class InitiativeLink(models.Model):
    """An organisation (other than the one that recorded it) that knows an initiative and may see it."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="links")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="initiative_links")
    kind = models.CharField(_("relationship"), max_length=12, choices=LinkKind.choices, default=LinkKind.KNOWS)
    since = models.DateField(_("since"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["initiative", "organisation"], name="one_link_per_org_and_initiative")
        ]
        verbose_name = _("initiative link")
        verbose_name_plural = _("initiative links")

    def __str__(self) -> str:
        return f"link {self.organisation_id}->{self.initiative_id}"


class FundingStatus(models.TextChoices):
    FUNDED = "funded", _("Funded")
    PARTLY = "partly", _("Partly funded")
    UNFUNDED = "unfunded", _("Unfunded")


def _new_reference() -> str:
    return uuid.uuid4().hex[:12]


class Activity(models.Model):
    """One 3W row: who (the organisation, or an initiative it knows) does which support, for which sector,
    where, when, for how many people a month, and how it is funded.

    An organisation's own activity is shown to every organisation on the platform when `shared`; an
    initiative's activity only to the organisations that know the initiative. Counts on the coverage matrix
    and the map include every activity (they name nobody).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="activities", verbose_name=_("organisation")
    )
    initiative = models.ForeignKey(
        Initiative,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("carried out by initiative"),
    )
    reference = models.CharField(
        _("reference"),
        max_length=64,
        default=_new_reference,
        validators=[RegexValidator(r"^[A-Za-z0-9._:-]+$", _("Letters, digits and . _ : - only."))],
        help_text=_("Your own identifier; imports update the activity with the same reference."),
    )
    title = models.CharField(
        _("title"), max_length=160, help_text=_("A short description of the work. No names of people.")
    )
    support_type = models.ForeignKey(
        SupportType, on_delete=models.PROTECT, related_name="activities", verbose_name=_("support type")
    )
    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="activities", verbose_name=_("sector"))
    regions = models.ManyToManyField(Region, related_name="activities", verbose_name=_("regions and countries"))
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"), null=True, blank=True, help_text=_("Empty while the activity goes on."))
    people_per_month = models.PositiveIntegerField(
        _("people a month"), null=True, blank=True, validators=[MaxValueValidator(10_000_000)]
    )
    funding_status = models.CharField(
        _("funding"), max_length=10, choices=FundingStatus.choices, default=FundingStatus.UNFUNDED
    )
    shared = models.BooleanField(
        _("shown to all organisations"),
        default=True,
        help_text=_("Other organisations on the platform see this activity. Initiatives' activities never are."),
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-start_date", "title"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "reference"], name="activity_reference_per_org"),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="activity_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["sector", "support_type"]), models.Index(fields=["start_date", "end_date"])]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self) -> str:
        return self.title


class Need(models.Model):
    """Requests for help counted by region and sector (and support type), so that gaps show where people ask
    and nobody works. Entered by hand for now; cases will add their own counts."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="needs")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="needs", verbose_name=_("region"))
    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="needs", verbose_name=_("sector"))
    support_type = models.ForeignKey(
        SupportType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="needs",
        verbose_name=_("support type"),
    )
    requests = models.PositiveIntegerField(
        _("requests"), validators=[MinValueValidator(1), MaxValueValidator(1_000_000)]
    )
    month = models.DateField(_("month"), help_text=_("The month the requests came in (its first day)."))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")

    def __str__(self) -> str:
        return f"need {self.pk}"
