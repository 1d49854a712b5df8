"""The county of residence as a receiving side (issue 12 item 1, decision 95).

An inflow member's county of residence (the county-level committee of the place where they
live, the record's destination) is a receiving side with the station: the gate shows them
the member, the record, its contacts; the figures count the member under that county.
It is derived, never written by the application: database triggers keep it on
``members_flowrecord`` and on ``members_member`` (the open record's) under every writer
(the ledger's actions, the set-based writer and its COPY, the demo loader), so the rule
exists once, here.
"""


import django.db.models.deletion
from django.db import migrations, models


# --- the rule, once, in SQL -----------------------------------------------------------------
# A record's county of residence: for an inflow record, the county-level committee whose
# place is the record's destination (where the member lives); none for an outflow record.
COUNTY = (
    "(SELECT o.id FROM orgs_organization o WHERE o.place_id = {row}.destination_place_id "
    "AND o.kind = 'county_committee' ORDER BY o.active DESC, o.id LIMIT 1)"
)


def record_residence(row: str) -> str:
    return f"CASE WHEN {row}.direction = 'inflow' THEN {COUNTY.format(row=row)} END"


def member_residence(member_id: str, home_id: str, kept: str) -> str:
    """A member's county of residence: the open record's; with no open record, a member
    from elsewhere (no home organization here) keeps theirs, others have none (the same
    shape as the member's inflow side, members.actions.derive.inflow_side)."""
    return (
        "CASE WHEN EXISTS (SELECT 1 FROM members_flowrecord f "
        f"WHERE f.member_id = {member_id} AND f.is_open) "
        "THEN (SELECT f.residence_organization_id FROM members_flowrecord f "
        f"WHERE f.member_id = {member_id} AND f.is_open LIMIT 1) "
        f"WHEN {home_id} IS NULL THEN {kept} END"
    )


MEMBER_NOW = member_residence(
    "members_member.id",
    "members_member.home_organization_id",
    "members_member.residence_organization_id",
)
SYNC_MEMBERS = (
    "UPDATE members_member SET residence_organization_id = {now} "
    "WHERE id IN ({ids}) AND residence_organization_id IS DISTINCT FROM {now}"
)

PG_FORWARD = f"""
CREATE OR REPLACE FUNCTION members_flowrecord_residence() RETURNS trigger AS $$
BEGIN
  NEW.residence_organization_id := {record_residence("NEW")};
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION members_member_residence() RETURNS trigger AS $$
BEGIN
  -- Whatever a writer sends (a model's save() sends the value it loaded), the member's
  -- county of residence is derived from the records.
  NEW.residence_organization_id := {member_residence("NEW.id", "NEW.home_organization_id",
                                                    "OLD.residence_organization_id")};
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION members_flowrecord_residence_sync() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {SYNC_MEMBERS.format(now=MEMBER_NOW, ids="SELECT member_id FROM residence_new "
                         "WHERE residence_organization_id IS NOT NULL")};
  ELSE
    {SYNC_MEMBERS.format(now=MEMBER_NOW, ids="SELECT n.member_id FROM residence_new n "
                         "JOIN residence_old o ON o.id = n.id WHERE "
                         "(n.residence_organization_id IS NOT NULL "
                         "OR o.residence_organization_id IS NOT NULL) AND "
                         "(n.residence_organization_id IS DISTINCT FROM "
                         "o.residence_organization_id OR n.is_open <> o.is_open "
                         "OR n.member_id <> o.member_id)")};
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER members_flowrecord_residence_insert BEFORE INSERT ON members_flowrecord
  FOR EACH ROW WHEN (NEW.direction = 'inflow' OR NEW.residence_organization_id IS NOT NULL)
  EXECUTE FUNCTION members_flowrecord_residence();
CREATE TRIGGER members_flowrecord_residence_update BEFORE UPDATE ON members_flowrecord
  FOR EACH ROW WHEN (NEW.direction IS DISTINCT FROM OLD.direction
    OR NEW.destination_place_id IS DISTINCT FROM OLD.destination_place_id
    OR NEW.residence_organization_id IS DISTINCT FROM OLD.residence_organization_id)
  EXECUTE FUNCTION members_flowrecord_residence();
CREATE TRIGGER members_member_residence BEFORE UPDATE ON members_member
  FOR EACH ROW EXECUTE FUNCTION members_member_residence();
CREATE TRIGGER members_flowrecord_residence_sync_insert AFTER INSERT ON members_flowrecord
  REFERENCING NEW TABLE AS residence_new
  FOR EACH STATEMENT EXECUTE FUNCTION members_flowrecord_residence_sync();
CREATE TRIGGER members_flowrecord_residence_sync_update AFTER UPDATE ON members_flowrecord
  REFERENCING OLD TABLE AS residence_old NEW TABLE AS residence_new
  FOR EACH STATEMENT EXECUTE FUNCTION members_flowrecord_residence_sync();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS members_flowrecord_residence_sync_update ON members_flowrecord;
DROP TRIGGER IF EXISTS members_flowrecord_residence_sync_insert ON members_flowrecord;
DROP TRIGGER IF EXISTS members_member_residence ON members_member;
DROP TRIGGER IF EXISTS members_flowrecord_residence_update ON members_flowrecord;
DROP TRIGGER IF EXISTS members_flowrecord_residence_insert ON members_flowrecord;
DROP FUNCTION IF EXISTS members_flowrecord_residence_sync();
DROP FUNCTION IF EXISTS members_member_residence();
DROP FUNCTION IF EXISTS members_flowrecord_residence();
"""

# SQLite: no BEFORE trigger may set NEW; AFTER triggers correct the row where it differs
# (recursive triggers are off, so a trigger's own UPDATE does not fire it again; the
# rollup's triggers, analytics 0003/0005, see the correction as one more change).
SQLITE_RECORD = record_residence("NEW")
SQLITE_MEMBER_OF_RECORD = SYNC_MEMBERS.format(now=MEMBER_NOW, ids="NEW.member_id").replace(
    "IS DISTINCT FROM", "IS NOT"
)
SQLITE_MEMBER_NOW = member_residence(
    "NEW.id", "NEW.home_organization_id", "OLD.residence_organization_id"
)
SQLITE_FORWARD = [
    "CREATE TRIGGER members_flowrecord_residence_insert AFTER INSERT ON members_flowrecord "
    "WHEN NEW.direction = 'inflow' OR NEW.residence_organization_id IS NOT NULL BEGIN "
    f"UPDATE members_flowrecord SET residence_organization_id = {SQLITE_RECORD} "
    f"WHERE id = NEW.id AND residence_organization_id IS NOT {SQLITE_RECORD}; "
    f"{SQLITE_MEMBER_OF_RECORD}; END",
    "CREATE TRIGGER members_flowrecord_residence_update AFTER UPDATE ON members_flowrecord "
    f"WHEN NEW.residence_organization_id IS NOT {SQLITE_RECORD} "
    "OR NEW.residence_organization_id IS NOT NULL OR OLD.residence_organization_id IS NOT NULL "
    "BEGIN "
    f"UPDATE members_flowrecord SET residence_organization_id = {SQLITE_RECORD} "
    f"WHERE id = NEW.id AND residence_organization_id IS NOT {SQLITE_RECORD}; "
    f"{SQLITE_MEMBER_OF_RECORD}; END",
    "CREATE TRIGGER members_member_residence AFTER UPDATE ON members_member "
    f"WHEN NEW.residence_organization_id IS NOT {SQLITE_MEMBER_NOW} BEGIN "
    f"UPDATE members_member SET residence_organization_id = {SQLITE_MEMBER_NOW} "
    "WHERE id = NEW.id; END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS members_member_residence",
    "DROP TRIGGER IF EXISTS members_flowrecord_residence_update",
    "DROP TRIGGER IF EXISTS members_flowrecord_residence_insert",
]
# The records and members there are already.
FILL = [
    f"UPDATE members_flowrecord SET residence_organization_id = "
    f"{record_residence('members_flowrecord')} WHERE direction = 'inflow'",
    f"UPDATE members_member SET residence_organization_id = {MEMBER_NOW} "
    "WHERE id IN (SELECT member_id FROM members_flowrecord WHERE direction = 'inflow')",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for statement in FILL:
            schema_editor.execute(statement)
        schema_editor.execute(PG_FORWARD)
    elif vendor == "sqlite":
        for statement in FILL:
            schema_editor.execute(statement)
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)
    # Other databases: no triggers (the figures and the gate then miss the county of
    # residence; only PostgreSQL and SQLite are supported).


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('members', '0005_predeparture_and_alert_escalation'),
        ('orgs', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='flowrecord',
            name='residence_organization',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='residing_records', to='orgs.organization', verbose_name='county of residence'),
        ),
        migrations.AddField(
            model_name='member',
            name='residence_organization',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='residing_members', to='orgs.organization', verbose_name='county of residence'),
        ),
        migrations.RunPython(forward, backward),
    ]
