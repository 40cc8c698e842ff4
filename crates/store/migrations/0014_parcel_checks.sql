-- Faster initial parcel loads. The per-row rules of parcel (ALKIS id and Flurstückskennzeichen
-- formats, a non-empty valid geometry, the key parts derived from the key) move from CHECK
-- constraints and generated columns into one trigger. For every writer the rules are the same
-- and a bad row is refused with SQLSTATE 23514 (check_violation), as before. The importer
-- checks the same rules while reading (with the same GEOS validity test PostGIS uses), fills
-- the key parts itself and disables the trigger for the duration of an initial load inside
-- its transaction, so the rules are not paid for twice on a million rows.

ALTER TABLE parcel
    ALTER COLUMN gemarkung DROP EXPRESSION,
    ALTER COLUMN flur DROP EXPRESSION,
    ALTER COLUMN zaehler DROP EXPRESSION,
    ALTER COLUMN nenner DROP EXPRESSION,
    DROP CONSTRAINT parcel_alkis_id_check,
    DROP CONSTRAINT parcel_kennzeichen_check,
    DROP CONSTRAINT parcel_geom_check;

CREATE FUNCTION parcel_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.alkis_id !~ '^DE[A-Za-z0-9]{14}$' THEN
        RAISE check_violation USING
            MESSAGE = format('parcel: malformed ALKIS id %s', NEW.alkis_id),
            CONSTRAINT = 'parcel_alkis_id_check', TABLE = 'parcel', COLUMN = 'alkis_id';
    END IF;
    -- Land(2) Gemarkung(4) Flur(3) Zähler(5) Nenner(4 or ____) Folge(2)
    IF NOT (NEW.kennzeichen ~ '^(0[1-9]|1[0-6])[0-9]{4}[0-9]{3}[0-9]{5}([0-9]{4}|_{4})[0-9_]{2}$'
            AND substr(NEW.kennzeichen, 3, 4) <> '0000'
            AND substr(NEW.kennzeichen, 10, 5) <> '00000'
            AND substr(NEW.kennzeichen, 15, 4) <> '0000') THEN
        RAISE check_violation USING
            MESSAGE = format('parcel: malformed Flurstückskennzeichen %s', NEW.kennzeichen),
            CONSTRAINT = 'parcel_kennzeichen_check', TABLE = 'parcel', COLUMN = 'kennzeichen';
    END IF;
    IF ST_IsEmpty(NEW.geom) OR NOT ST_IsValid(NEW.geom) THEN
        RAISE check_violation USING
            MESSAGE = format('parcel %s: empty or invalid geometry', NEW.alkis_id),
            CONSTRAINT = 'parcel_geom_check', TABLE = 'parcel', COLUMN = 'geom';
    END IF;
    -- The parts, derived from the key so they can never disagree with it.
    NEW.gemarkung := substr(NEW.kennzeichen, 3, 4)::smallint;
    NEW.flur := substr(NEW.kennzeichen, 7, 3)::smallint;
    NEW.zaehler := substr(NEW.kennzeichen, 10, 5)::integer;
    NEW.nenner := CASE WHEN substr(NEW.kennzeichen, 15, 4) <> '____' THEN substr(NEW.kennzeichen, 15, 4)::smallint END;
    RETURN NEW;
END
$$;

-- Updates that leave the key, the id and the geometry alone (the analysis writes land use
-- and district of every parcel) do not run it.
CREATE TRIGGER parcel_check BEFORE INSERT OR UPDATE OF alkis_id, kennzeichen, geom, gemarkung, flur, zaehler, nenner
    ON parcel FOR EACH ROW EXECUTE FUNCTION parcel_check();
