"""interventions and equipements: changes made outside the services (a DBA's manual SQL, a
script: any connection whose application_name is not one of the services' -- `interventions`,
`interventions-worker`, `interventions-datagen`, `mif...` -- which shared.db.Database sets and
PgBouncer passes on) are audited by the database itself, into the same hash chains (the
seed's `log_intervention_changes`, kept in spirit).

Such rows have `origine = 'sql'`, action `modification`, no user, before/after as JSON; their
hash is `hash_hors_api(...)` (core `sha256()`), which the verifier recomputes in the
database, so `verifier=true` still holds and shows the change. An intervention cannot be
deleted (its trail references it); an equipment's deletion is audited.

Revision ID: interventions_0009
Revises: interventions_0008
Create Date: 2026-12-08 04:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "interventions_0009"
down_revision: str | None = "interventions_0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "interventions"
# the services' session marker: their connections' application_name
FROM_A_SERVICE = (
    "(current_setting('application_name') LIKE 'interventions%'"
    " OR current_setting('application_name') LIKE 'mif%')"
)

UPGRADE = f"""
ALTER TABLE {S}.historiques_interventions
    ADD COLUMN origine varchar(10) NOT NULL DEFAULT 'api',
    ADD CONSTRAINT ck_historique_origine CHECK (origine IN ('api', 'sql'));
ALTER TABLE {S}.historiques_equipements
    ADD COLUMN origine varchar(10) NOT NULL DEFAULT 'api',
    ADD CONSTRAINT ck_historique_equipement_origine CHECK (origine IN ('api', 'sql'));

CREATE FUNCTION {S}.hash_hors_api(
    sujet text, sujet_id integer, user_id integer, action text, description text,
    ancienne jsonb, nouvelle jsonb, horodatage timestamptz, prev_hash text
) RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT encode(sha256(convert_to(concat_ws('|',
        'sql-v1', sujet, sujet_id::text, coalesce(user_id::text, ''), action, description,
        coalesce(ancienne::text, 'null'), coalesce(nouvelle::text, 'null'),
        to_char(horodatage AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), prev_hash),
        'UTF8')), 'hex')
$$;

CREATE FUNCTION {S}.audit_hors_api() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    avant jsonb;
    apres jsonb;
    sujet_id integer;
    prev text;
    ts timestamptz := clock_timestamp();
    descr text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        apres := to_jsonb(NEW);
        sujet_id := NEW.id;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT jsonb_object_agg(o.key, o.value), jsonb_object_agg(o.key, to_jsonb(NEW) -> o.key)
          INTO avant, apres
          FROM jsonb_each(to_jsonb(OLD)) AS o
         WHERE o.key NOT IN ('version', 'updated_at')
           AND o.value IS DISTINCT FROM (to_jsonb(NEW) -> o.key);
        IF avant IS NULL THEN
            RETURN NULL;  -- nothing but the version or the time changed
        END IF;
        sujet_id := NEW.id;
    ELSE
        avant := to_jsonb(OLD);
        sujet_id := OLD.id;
    END IF;
    descr := format('Modification hors API (%s en SQL direct par %s)', TG_OP, session_user);
    IF TG_TABLE_NAME = 'interventions' THEN
        -- the row lock of the change serialises this chain with the service's writers
        prev := coalesce(
            (SELECT h.hash FROM {S}.historiques_interventions h
              WHERE h.intervention_id = sujet_id ORDER BY h.id DESC LIMIT 1),
            (SELECT a.dernier_hash FROM {S}.historique_ancres a
              WHERE a.intervention_id = sujet_id),
            repeat('0', 64));
        INSERT INTO {S}.historiques_interventions (intervention_id, user_id, action,
            description, ancienne_valeur, nouvelle_valeur, horodatage, prev_hash, hash, origine)
        VALUES (sujet_id, NULL, 'modification', descr, avant, apres, ts, prev,
            {S}.hash_hors_api('intervention', sujet_id, NULL, 'modification', descr, avant,
                              apres, ts, prev),
            'sql');
    ELSE
        prev := coalesce(
            (SELECT h.hash FROM {S}.historiques_equipements h
              WHERE h.equipement_id = sujet_id ORDER BY h.id DESC LIMIT 1),
            repeat('0', 64));
        INSERT INTO {S}.historiques_equipements (equipement_id, user_id, action,
            description, ancienne_valeur, nouvelle_valeur, horodatage, prev_hash, hash, origine)
        VALUES (sujet_id, NULL, 'modification', descr, avant, apres, ts, prev,
            {S}.hash_hors_api('equipement', sujet_id, NULL, 'modification', descr, avant,
                              apres, ts, prev),
            'sql');
    END IF;
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION {S}.audit_hors_api() FROM PUBLIC;

-- WHEN is evaluated without calling the function: the services' own writes cost two
-- current_setting() per row, and COPY keeps its batched inserts (AFTER trigger).
CREATE TRIGGER audit_hors_api
    AFTER INSERT OR UPDATE ON {S}.interventions
    FOR EACH ROW WHEN (NOT {FROM_A_SERVICE})
    EXECUTE FUNCTION {S}.audit_hors_api();
CREATE TRIGGER audit_hors_api
    AFTER INSERT OR UPDATE OR DELETE ON {S}.equipements
    FOR EACH ROW WHEN (NOT {FROM_A_SERVICE})
    EXECUTE FUNCTION {S}.audit_hors_api();
"""

DOWNGRADE = f"""
DROP TRIGGER audit_hors_api ON {S}.equipements;
DROP TRIGGER audit_hors_api ON {S}.interventions;
DROP FUNCTION {S}.audit_hors_api();
DROP FUNCTION {S}.hash_hors_api(text, integer, integer, text, text, jsonb, jsonb, timestamptz,
                                text);
ALTER TABLE {S}.historiques_equipements
    DROP CONSTRAINT ck_historique_equipement_origine, DROP COLUMN origine;
ALTER TABLE {S}.historiques_interventions
    DROP CONSTRAINT ck_historique_origine, DROP COLUMN origine;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
