"""The ledger: members, their stays away (flow records), contacts, hand-offs and alerts."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from liudong.core.fields import EncryptedCharField
from liudong.core.scope import First, ScopeRule

# Who keeps a member and their stays: the home organization, or, for a member from
# elsewhere (no home organization here), the inflow side that recorded them.
KEEPING_SIDE = First("home_organization__path", "inflow_organization__path")


class Membership(models.TextChoices):
    FULL = "full", _("Full member")
    PROBATIONARY = "probationary", _("Probationary member")


class Direction(models.TextChoices):
    OUTFLOW = "outflow", _("Outflow")
    INFLOW = "inflow", _("Inflow")


class FlowScope(models.TextChoices):
    WITHIN_COUNTY = "within_county", _("Within the county")
    OUT_OF_COUNTY = "out_of_county", _("Out of the county, within the city")
    OUT_OF_CITY = "out_of_city", _("Out of the city, within the province")
    OUT_OF_PROVINCE = "out_of_province", _("Out of the province")


class FlowStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    MANAGED = "managed", _("Managed")
    LOST = "lost", _("Lost contact (searching)")
    RETURNED = "returned", _("Returned")
    TRANSFERRED = "transferred", _("Transferred")
    SUSPENDED = "suspended", _("Membership suspended")


OPEN_STATUSES = (FlowStatus.REGISTERED, FlowStatus.MANAGED, FlowStatus.LOST)
# ``FlowRecord.last_served_on`` of a record attached to, or checked in at, a station.
SERVED_ALWAYS = datetime.date(9999, 12, 31)


class KeepContact(models.TextChoices):
    """The way of keeping contact agreed in the pre-departure talk (外出前谈话)."""

    PHONE = "phone", _("Phone calls")
    WECHAT = "wechat", _("WeChat")
    PLATFORM = "platform", _("This platform (check-in and reports)")
    STATION = "station", _("Through a liaison station")
    LETTER = "letter", _("Letters or e-mail")
    OTHER = "other", _("Other")


class Member(models.Model):
    name = models.CharField(_("name"), max_length=40)
    name_pinyin = models.CharField(max_length=200, blank=True, db_index=True, editable=False)
    sex = models.CharField(_("sex"), max_length=1)  # code table "sex" (GB/T 2261.1)
    ethnicity = models.CharField(_("ethnicity"), max_length=2)  # code table "ethnicity"
    birth_date = models.DateField(_("birth date"))
    id_number = EncryptedCharField(_("ID number"))
    id_number_index = models.CharField(max_length=64, unique=True, editable=False)
    # Filled under the new index key during a key rotation, then swapped (core.keyring).
    id_number_index_next = models.CharField(
        max_length=64, blank=True, default="", db_default="", editable=False
    )
    id_number_masked = models.CharField(_("ID number"), max_length=18, editable=False)
    phone = EncryptedCharField(_("mobile phone"))
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_index_next = models.CharField(
        max_length=64, blank=True, default="", db_default="", db_index=True, editable=False
    )
    phone_masked = models.CharField(_("mobile phone"), max_length=11, blank=True, editable=False)
    education = models.CharField(_("education"), max_length=4, blank=True)  # "education"
    joined_on = models.DateField(_("date joined the party"), null=True, blank=True)
    membership = models.CharField(
        _("membership"), max_length=12, choices=Membership.choices, default=Membership.FULL
    )
    home_organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("home organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        help_text=_("The branch holding the membership; empty for members from elsewhere."),
    )
    home_organization_name = models.CharField(
        _("home organization (elsewhere)"), max_length=120, blank=True
    )
    home_place = models.ForeignKey(
        "regions.Place",
        verbose_name=_("home place"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The inflow side of the open flow record (co-management): kept here so the scope
    # gate reaches it with one join.
    inflow_organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("inflow-side organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inflow_members",
    )
    # The county where an inflow member lives (流入地党组织, with the station): derived by
    # the database (members migration 0006) from the open record's, so every writer keeps it.
    residence_organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("county of residence"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="residing_members",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # Both sides see the member; master data (name, ID and phone numbers, home branch) is
    # the keeping side's: the home organization, or the inflow side for a member from
    # elsewhere (no home organization here). The station side records contacts instead.
    # The county of residence of an inflow member sees them too (decision 95), and changes
    # no master data.
    scope_rule = ScopeRule(
        paths=(
            "home_organization__path",
            "inflow_organization__path",
            "residence_organization__path",
        ),
        owner="user",
        change=(KEEPING_SIDE,),
    )
    audit_ignore = (
        "name_pinyin",
        "id_number_index",
        "phone_index",
        "id_number_index_next",
        "phone_index_next",
        "updated_at",
        "residence_organization",
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            # The next hashes are as unique as the ones in use (a key rotation, decision 190).
            models.UniqueConstraint(
                fields=["id_number_index_next"],
                condition=~models.Q(id_number_index_next=""),
                name="member_id_number_index_next_once",
            ),
            models.CheckConstraint(
                condition=models.Q(home_organization__isnull=False)
                | ~models.Q(home_organization_name=""),
                name="member_has_home_organization",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("members:member_detail", args=[self.pk])

    def audit_org_path(self) -> str:
        if self.home_organization_id:
            return self.home_organization.path
        return self.inflow_organization.path if self.inflow_organization_id else ""

    @property
    def home_label(self) -> str:
        return str(self.home_organization or self.home_organization_name)


class FlowRecord(models.Model):
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="flows"
    )
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    flow_scope = models.CharField(
        _("flow scope"), max_length=16, choices=FlowScope.choices, editable=False
    )
    origin_place = models.ForeignKey(
        "regions.Place", verbose_name=_("from"), on_delete=models.PROTECT, related_name="+"
    )
    destination_place = models.ForeignKey(
        "regions.Place", verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )
    destination_address = models.CharField(_("address there"), max_length=200, blank=True)
    employer = models.CharField(_("employer or workplace"), max_length=120, blank=True)
    reason = models.CharField(_("reason"), max_length=20)  # code table "flow_reason"
    left_on = models.DateField(_("left on"))
    expected_return_on = models.DateField(_("expected return"), null=True, blank=True)
    home_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("home-side contact person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    home_organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("home organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outflow_records",
    )
    inflow_organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("inflow-side organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inflow_records",
    )
    # For an inflow record: the county-level organization of the place where the member
    # lives (the destination), a receiving side with the station (decision 95). Derived by
    # database triggers (members migration 0006) under every writer; never written here.
    residence_organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("county of residence"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="residing_records",
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=FlowStatus.choices,
        default=FlowStatus.REGISTERED,
        db_index=True,
    )
    is_open = models.BooleanField(default=True, editable=False, db_index=True)
    status_changed_on = models.DateField(_("status since"))
    status_reason = models.CharField(_("reason for the status"), max_length=200, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    managed_on = models.DateField(_("managed since"), null=True, blank=True)
    last_contact_on = models.DateField(_("last contact"), null=True, blank=True, db_index=True)
    # Served by a station (analytics.figures.definitions, decision 125): the last day an open
    # station of the record's kind (liaison: outflow; service: inflow) served it: its
    # branch's last contact, or SERVED_ALWAYS while the record is attached to the branch
    # or checked in there; NULL never. Derived by database triggers (analytics migration
    # 0006) under every writer; never written here.
    last_served_on = models.DateField(
        _("last served by a station"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Before departure (外出前, issue 12 item 6): the pre-departure talk, the mobile member
    # activity certificate (流动党员活动证) issued and the agreed way of keeping contact.
    # Text columns default to '' in the database, so set-based inserts may leave them out.
    briefed_on = models.DateField(_("pre-departure talk on"), null=True, blank=True)
    briefed_by = models.CharField(
        _("pre-departure talk by"), max_length=60, blank=True, default="", db_default=""
    )
    briefing_notes = models.CharField(
        _("pre-departure talk notes"), max_length=500, blank=True, default="", db_default=""
    )
    certificate_number = models.CharField(
        _("activity certificate number"), max_length=40, blank=True, default="", db_default=""
    )
    keep_contact = models.CharField(
        _("way of keeping contact"),
        max_length=12,
        choices=KeepContact.choices,
        blank=True,
        default="",
        db_default="",
    )
    keep_contact_detail = models.CharField(
        _("keeping contact: details"), max_length=200, blank=True, default="", db_default=""
    )

    # The lifecycle of a stay (return, transfer, lost contact, found, suspend) is the
    # keeping side's; both sides log contacts, take the member in and hand work over.
    # The county where an inflow member lives is a receiving side with the station
    # (decision 95): it sees the record, logs contacts and hands work over, and changes
    # nothing of the stay's lifecycle.
    scope_rule = ScopeRule(
        paths=(
            "home_organization__path",
            "inflow_organization__path",
            "residence_organization__path",
        ),
        owner="member__user",
        change=(KEEPING_SIDE,),
        acts={
            "contact": (
                "home_organization__path",
                "inflow_organization__path",
                "residence_organization__path",
            ),
            "check_in": ("home_organization__path", "inflow_organization__path"),
            "handoff": (
                "home_organization__path",
                "inflow_organization__path",
                "residence_organization__path",
            ),
        },
    )
    audit_ignore = ("residence_organization", "last_served_on")

    class Meta:
        ordering = ["-left_on", "-id"]
        verbose_name = _("flow record")
        verbose_name_plural = _("flow records")
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(is_open=True),
                name="one_open_flow_record_per_member",
            ),
            models.CheckConstraint(
                condition=models.Q(home_organization__isnull=False)
                | models.Q(inflow_organization__isnull=False),
                name="flow_record_has_a_side",
            ),
        ]
        indexes = [
            models.Index(fields=["direction", "flow_scope", "status"], name="ledger_idx"),
            models.Index(fields=["is_open", "last_contact_on"], name="contact_due_idx"),
            # The ledgers: open records of one kind, newest first, per side (see
            # docs/performance.md for the plans these serve). Each side's index ends with
            # the other side, so a count under the gate's fast form (home IN ids OR inflow
            # IN ids) is answered from the index alone on a vacuumed table.
            models.Index(
                fields=["direction", "flow_scope", "status", "-left_on", "-id"],
                condition=models.Q(is_open=True),
                name="ledger_open_sorted_idx",
            ),
            models.Index(
                fields=[
                    "home_organization",
                    "direction",
                    "flow_scope",
                    "status",
                    "inflow_organization",
                ],
                condition=models.Q(is_open=True),
                name="ledger_open_home_idx",
            ),
            models.Index(
                fields=[
                    "inflow_organization",
                    "direction",
                    "flow_scope",
                    "status",
                    "home_organization",
                ],
                condition=models.Q(is_open=True),
                name="ledger_open_inflow_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.label(self.member, self.destination_place)

    def get_absolute_url(self) -> str:
        return reverse("members:member_detail", args=[self.member_id])

    def audit_org_path(self) -> str:
        org = self.home_organization if self.home_organization_id else self.inflow_organization
        return org.path if org is not None else ""

    def sides(self) -> list[models.Model]:
        """The record's sides in the order an actor speaks for them: home, the station's
        (inflow side), the county where an inflow member lives (decision 95)."""
        found = (self.home_organization, self.inflow_organization, self.residence_organization)
        return [org for org in found if org is not None]

    @staticmethod
    def label(member: object, destination: object) -> str:
        """How a record is named (the audit trail's object), from its member and place."""
        return f"{member} → {destination}"


from liudong.members.transfer_models import Transfer as Transfer  # noqa: E402
from liudong.members.transfer_models import TransferState as TransferState  # noqa: E402
from liudong.members.work_models import Alert as Alert  # noqa: E402
from liudong.members.work_models import AlertKind as AlertKind  # noqa: E402
from liudong.members.work_models import Contact as Contact  # noqa: E402
from liudong.members.work_models import ContactMethod as ContactMethod  # noqa: E402
from liudong.members.work_models import Handoff as Handoff  # noqa: E402
from liudong.members.work_models import HandoffKind as HandoffKind  # noqa: E402
from liudong.members.work_models import HandoffState as HandoffState  # noqa: E402
