-- What the public may see. Public endpoints read only the views of schema `published`;
-- each view lists its columns by name, so no owner, register, meter or contact column can
-- reach the public by a `SELECT *`.

-- The verdicts of the latest finished run, with active planner overrides applied.
CREATE VIEW current_verdict AS
WITH run AS (
    SELECT id, finished_at,
           coalesce((params ->> 'as_of')::date, finished_at::date) AS as_of
      FROM analysis_run
     WHERE status = 'done'
     ORDER BY id DESC
     LIMIT 1
)
SELECT v.id, v.run_id, run.as_of, v.building_id, v.parcel_id,
       coalesce(ob.class, op.class, v.class) AS class,
       v.class AS analysed_class,
       v.score, v.confidence, v.evidence,
       coalesce(ob.id, op.id) AS override_id
  FROM verdict v
  JOIN run ON run.id = v.run_id
  LEFT JOIN verdict_override ob ON ob.building_id = v.building_id AND ob.withdrawn_at IS NULL
  LEFT JOIN verdict_override op ON op.parcel_id = v.parcel_id AND op.withdrawn_at IS NULL;

-- Parcels whose vacancy may be published (§ 200 (3) BauGB): the owner consented, or the
-- town announced the publication at least one month ago and nobody objected.
CREATE VIEW parcel_release AS
SELECT parcel_id,
       basis,
       CASE basis WHEN 'owner_consent' THEN consent_on
                  ELSE (announced_on + interval '1 month')::date END AS released_on
  FROM publication_consent
 WHERE objection_on IS NULL
   AND (basis = 'owner_consent' OR announced_on + interval '1 month' <= current_date);

CREATE INDEX field_survey_address_idx ON field_survey (address_id);
CREATE INDEX verdict_parcel_idx ON verdict (parcel_id) WHERE parcel_id IS NOT NULL;
CREATE INDEX verdict_building_idx ON verdict (building_id) WHERE building_id IS NOT NULL;
CREATE INDEX offer_status_idx ON offer (status);
CREATE INDEX planner_case_building_idx ON planner_case (building_id);
CREATE INDEX planner_case_parcel_idx ON planner_case (parcel_id);

CREATE SCHEMA published;

-- Vacant and partly vacant buildings on released parcels. "Last verified" is the newer of
-- the run's reference date and the latest field survey of the building.
CREATE VIEW published.vacancy AS
SELECT b.alkis_id::text AS id,
       cv.class,
       p.ags::text AS ags,
       m.name AS town,
       d.name AS district,
       greatest(cv.as_of, s.surveyed_on) AS last_verified,
       b.geom
  FROM current_verdict cv
  JOIN building b ON b.id = cv.building_id
  JOIN parcel p ON p.id = b.parcel_id
  JOIN parcel_release r ON r.parcel_id = p.id
  JOIN municipality m ON m.ags = p.ags
  LEFT JOIN district d ON d.id = p.district_id
  LEFT JOIN LATERAL (SELECT max(f.surveyed_on) AS surveyed_on
                       FROM field_survey f WHERE f.building_id = b.id) s ON true
 WHERE cv.class IN ('vacant', 'partly_vacant');

-- Building gaps, brownfields, underused plots and plots of vacant buildings, released.
CREATE VIEW published.plot AS
SELECT p.alkis_id::text AS id,
       p.kennzeichen::text AS kennzeichen,
       cv.class,
       p.official_area_m2 AS area_m2,
       p.land_use,
       p.ags::text AS ags,
       m.name AS town,
       d.name AS district,
       cv.as_of AS last_verified,
       p.geom
  FROM current_verdict cv
  JOIN parcel p ON p.id = cv.parcel_id
  JOIN parcel_release r ON r.parcel_id = p.id
  JOIN municipality m ON m.ags = p.ags
  LEFT JOIN district d ON d.id = p.district_id;

-- Published offers on released parcels; interim use ("Teilkultur") is one kind of offer.
CREATE VIEW published.offer AS
SELECT o.id,
       o.kind,
       o.title,
       o.description,
       o.price_eur::float8 AS price_eur,
       o.zoning_note,
       p.alkis_id::text AS parcel,
       p.official_area_m2 AS area_m2,
       p.land_use,
       p.ags::text AS ags,
       m.name AS town,
       d.name AS district,
       o.updated_at::date AS updated_on,
       p.geom
  FROM offer o
  JOIN parcel p ON p.id = o.parcel_id
  JOIN parcel_release r ON r.parcel_id = p.id
  JOIN municipality m ON m.ags = p.ags
  LEFT JOIN district d ON d.id = p.district_id
 WHERE o.status = 'published';

-- Moderated citizen reports: the moderator's public text, the category and the day; never
-- the reporter's words or contact.
CREATE VIEW published.report AS
SELECT c.id,
       c.category,
       coalesce(c.public_text, '') AS text,
       c.reported_at::date AS reported_on,
       c.geom
  FROM citizen_report c
 WHERE c.status = 'approved';

-- District figures of the latest run. Figures over fewer than five addresses are withheld:
-- the row stays (so the map shows the district) with `suppressed` set and no numbers.
CREATE VIEW published.district_stats AS
WITH run AS (
    SELECT id, summary,
           coalesce((params ->> 'as_of')::date, finished_at::date) AS as_of
      FROM analysis_run
     WHERE status = 'done'
     ORDER BY id DESC
     LIMIT 1
), area AS (
    SELECT run.as_of, e
      FROM run, jsonb_array_elements(CASE jsonb_typeof(run.summary)
                                          WHEN 'array' THEN run.summary
                                          ELSE '[]'::jsonb END) e
     WHERE e ->> 'district_id' IS NOT NULL
)
SELECT d.id,
       d.name AS district,
       d.ags::text AS ags,
       m.name AS town,
       NOT (e -> 'public')::boolean AS suppressed,
       CASE WHEN (e -> 'public')::boolean THEN (e ->> 'addresses')::int END AS addresses,
       CASE WHEN (e -> 'public')::boolean THEN (e ->> 'buildings')::int END AS buildings,
       CASE WHEN (e -> 'public')::boolean THEN (e ->> 'dwellings')::int END AS dwellings,
       CASE WHEN (e -> 'public')::boolean THEN (e ->> 'vacant')::int END AS vacant,
       CASE WHEN (e -> 'public')::boolean THEN (e ->> 'partly_vacant')::int END AS partly_vacant,
       CASE WHEN (e -> 'public')::boolean THEN (e ->> 'risk')::int END AS risk,
       CASE WHEN (e -> 'public')::boolean THEN round((e ->> 'vacancy_rate')::numeric, 4)::float8 END AS vacancy_rate,
       CASE WHEN (e -> 'public')::boolean THEN (e ->> 'gaps')::int END AS gaps,
       CASE WHEN (e -> 'public')::boolean THEN round((e ->> 'gap_area_ha')::numeric, 2)::float8 END AS gap_area_ha,
       CASE WHEN (e -> 'public')::boolean THEN round((e ->> 'potential_dwellings')::numeric, 1)::float8 END AS potential_dwellings,
       CASE WHEN (e -> 'public')::boolean THEN (e ->> 'brownfields')::int END AS brownfields,
       CASE WHEN (e -> 'public')::boolean THEN round((e ->> 'forecast_5y')::numeric, 1)::float8 END AS forecast_5y,
       CASE WHEN (e -> 'public')::boolean THEN round((e ->> 'forecast_10y')::numeric, 1)::float8 END AS forecast_10y,
       area.as_of AS last_verified,
       d.boundary AS geom
  FROM area
  JOIN district d ON d.id = (e ->> 'district_id')::bigint
  JOIN municipality m ON m.ags = d.ags;

-- The cadastral background of the map (ALKIS geometry is open data in Thuringia): shapes,
-- the parcel key and the building function, nothing about people.
CREATE VIEW published.parcel AS
SELECT p.alkis_id::text AS id, p.kennzeichen::text AS kennzeichen, p.ags::text AS ags, p.geom
  FROM parcel p;

CREATE VIEW published.building AS
SELECT b.alkis_id::text AS id, b.function_code, b.geom
  FROM building b;
