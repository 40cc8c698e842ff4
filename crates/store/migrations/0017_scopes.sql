-- Scopes: a planner account belongs to one or more towns (AGS), or to all of them (the
-- alliance office); a moderator moderates citizen reports and nothing else. The planner
-- routes ask planner_sees() in SQL for lists and planner_object_town() for an object a
-- request names.

ALTER TABLE app_user DROP CONSTRAINT app_user_role_check;
ALTER TABLE app_user ADD CONSTRAINT app_user_role_check
    CHECK (role IN ('planner', 'moderator', 'admin'));

ALTER TABLE app_user ADD COLUMN all_towns boolean NOT NULL DEFAULT false;
-- Accounts made before scopes existed saw every town; they keep doing so.
UPDATE app_user SET all_towns = true;

CREATE TABLE app_user_town (
    user_id  bigint NOT NULL REFERENCES app_user ON DELETE CASCADE,
    ags      char(8) NOT NULL REFERENCES municipality ON DELETE CASCADE,
    PRIMARY KEY (user_id, ags)
);

-- Whether the account may see the town `ags`; a row without a town only with all towns.
CREATE FUNCTION planner_sees(account bigint, town text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM app_user u
         WHERE u.id = account
           AND (u.all_towns
                OR EXISTS (SELECT 1 FROM app_user_town t
                            WHERE t.user_id = u.id AND t.ags = town)))
$$;

-- The town of a citizen report: its building's parcel, else the parcel, district or town
-- under its point.
CREATE FUNCTION report_town(report bigint) RETURNS char(8)
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT p.ags FROM building b JOIN parcel p ON p.id = b.parcel_id
          WHERE b.id = r.building_id),
        (SELECT p.ags FROM parcel p WHERE ST_Intersects(p.geom, r.geom) LIMIT 1),
        (SELECT d.ags FROM district d WHERE ST_Intersects(d.boundary, r.geom) LIMIT 1),
        (SELECT m.ags FROM municipality m WHERE ST_Intersects(m.boundary, r.geom) LIMIT 1))
      FROM citizen_report r WHERE r.id = report
$$;

-- An object a planner route names, by table and key (the ALKIS id of a building or parcel,
-- else the row id): its row id and town; no row when it does not exist.
CREATE FUNCTION planner_object_town(subject text, key text)
RETURNS TABLE (id bigint, ags char(8))
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF subject = 'parcel' THEN
        RETURN QUERY SELECT p.id, p.ags FROM parcel p WHERE p.alkis_id = key;
    ELSIF subject = 'building' THEN
        RETURN QUERY SELECT b.id, p.ags FROM building b
                       LEFT JOIN parcel p ON p.id = b.parcel_id WHERE b.alkis_id = key;
    ELSIF subject = 'municipality' THEN
        RETURN QUERY SELECT NULL::bigint, m.ags FROM municipality m WHERE m.ags = key;
    ELSIF key !~ '^[0-9]{1,18}$' THEN
        RETURN;
    ELSIF subject = 'planner_case' THEN
        RETURN QUERY SELECT c.id, p.ags FROM planner_case c
                       LEFT JOIN building b ON b.id = c.building_id
                       LEFT JOIN parcel p ON p.id = coalesce(c.parcel_id, b.parcel_id)
                      WHERE c.id = key::bigint;
    ELSIF subject = 'offer' THEN
        RETURN QUERY SELECT o.id, p.ags FROM offer o JOIN parcel p ON p.id = o.parcel_id
                      WHERE o.id = key::bigint;
    ELSIF subject = 'enquiry' THEN
        RETURN QUERY SELECT e.id, p.ags FROM enquiry e JOIN offer o ON o.id = e.offer_id
                       JOIN parcel p ON p.id = o.parcel_id WHERE e.id = key::bigint;
    ELSIF subject = 'citizen_report' THEN
        RETURN QUERY SELECT r.id, report_town(r.id) FROM citizen_report r
                      WHERE r.id = key::bigint;
    END IF;
END
$$;
