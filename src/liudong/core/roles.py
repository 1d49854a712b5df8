"""The roles: the one enum the scope gate (core) and the accounts app read. It lives in core
so that core knows roles without importing accounts (the user model itself is
``settings.AUTH_USER_MODEL``, reached through the objects passed in). What each role may do
(its capabilities) stays with the accounts app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", _("City administrator")
    COUNTY_ADMIN = "county_admin", _("County administrator")
    STATION_STAFF = "station_staff", _("Station staff")
    BRANCH_SECRETARY = "branch_secretary", _("Branch secretary")
    MEMBER = "member", _("Member")
    # A county department that answers members' suggestions routed to it (issue 14): it
    # sees only those (the gate's self scope, through its membership of the department).
    DEPARTMENT = "department", _("Department user")


STAFF_ROLES = {Role.CITY_ADMIN, Role.COUNTY_ADMIN, Role.STATION_STAFF, Role.BRANCH_SECRETARY}
ADMIN_ROLES = {Role.CITY_ADMIN, Role.COUNTY_ADMIN}
