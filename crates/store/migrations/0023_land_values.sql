-- Land values (Bodenrichtwerte) per zone as the Gutachterausschuss publishes them (BORIS-D /
-- VBORIS 2, open data), and the plot view carrying the value of each plot's zone.
--
-- A zone is known by its Stichtag and its number (WNUM); a re-import of the same zones
-- replaces them. Codes are kept as published: ENTW (Entwicklungszustand, e.g. B = baureifes
-- Land), NUTA (Art der Nutzung, e.g. W = Wohnbaufläche, MD = Dorfgebiet, G = gewerbliche
-- Baufläche); their German names live in the model crate.
CREATE TABLE land_value_zone (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stichtag      date NOT NULL,
    zone_number   text NOT NULL CHECK (zone_number ~ '^\S{1,32}$'),
    value_eur_m2  numeric(12, 2) NOT NULL CHECK (value_eur_m2 > 0 AND value_eur_m2 < 100000),
    development   text CHECK (development ~ '^[A-Z]{1,4}$'),
    use_code      text CHECK (use_code ~ '^[A-Z]{1,4}$'),
    name          text,
    municipality  text,
    source        text NOT NULL,
    imported_at   timestamptz NOT NULL DEFAULT now(),
    geom          geometry(MultiPolygon, 25832) NOT NULL
                  CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
    UNIQUE (stichtag, zone_number)
);
CREATE INDEX land_value_zone_geom ON land_value_zone USING gist (geom);

-- The views of schema `published`, repeated from 0016 with the land value added to
-- `published.plot` (new columns at the end, as CREATE OR REPLACE requires): what the public
-- may see. Public endpoints and tiles read only these views; each lists its columns by
-- name, so no owner, register, meter or contact column can reach the public by a
-- `SELECT *`. A change to a published view re-creates it in a new migration that repeats
-- this file with the change, so that the newest such file always holds all of them.
--
-- CREATE OR REPLACE keeps every column's name, type and position (PostgreSQL refuses
-- anything else) and leaves the objects that depend on the views in place. The views
-- build on `current_verdict` (0008, 0011) and `parcel_release` (0008).

-- Vacant and partly vacant buildings on released parcels. "Last verified" is the newer of
-- the run's reference date and the latest field survey of the building.
CREATE OR REPLACE VIEW published.vacancy AS
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

-- Building gaps, brownfields, underused plots and plots of vacant buildings, released, with
-- the investors' suitability score and its parts (sizes and distances, nothing about
-- people) from the same run as the verdict, and the land value (Bodenrichtwert, open data)
-- of the zone the plot lies in: the zone of the newest Stichtag holding a point of it.
CREATE OR REPLACE VIEW published.plot AS
SELECT p.alkis_id::text AS id,
       p.kennzeichen::text AS kennzeichen,
       cv.class,
       p.official_area_m2 AS area_m2,
       p.land_use,
       p.ags::text AS ags,
       m.name AS town,
       d.name AS district,
       cv.as_of AS last_verified,
       p.geom,
       s.score::float8 AS suitability,
       s.parts AS suitability_parts,
       lv.value_eur_m2::float8 AS land_value_eur_m2,
       lv.stichtag AS land_value_date,
       lv.use_code AS land_value_use,
       lv.name AS land_value_zone
  FROM current_verdict cv
  JOIN parcel p ON p.id = cv.parcel_id
  JOIN parcel_release r ON r.parcel_id = p.id
  JOIN municipality m ON m.ags = p.ags
  LEFT JOIN district d ON d.id = p.district_id
  LEFT JOIN plot_suitability s ON s.run_id = cv.run_id AND s.parcel_id = p.id
  LEFT JOIN LATERAL (SELECT z.value_eur_m2, z.stichtag, z.use_code, z.name
                       FROM land_value_zone z
                      WHERE ST_Intersects(z.geom, ST_PointOnSurface(p.geom))
                      ORDER BY z.stichtag DESC, z.zone_number
                      LIMIT 1) lv ON true;

-- Published offers on released parcels; interim use ("Teilkultur") is one kind of offer.
CREATE OR REPLACE VIEW published.offer AS
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
CREATE OR REPLACE VIEW published.report AS
SELECT c.id,
       c.category,
       coalesce(c.public_text, '') AS text,
       c.reported_at::date AS reported_on,
       c.geom
  FROM citizen_report c
 WHERE c.status = 'approved';

-- District figures of the latest run, from its typed rows in `area_stats` (0015). Figures
-- over fewer than five addresses are withheld: the row stays (so the map shows the
-- district) with `suppressed` set and no numbers.
CREATE OR REPLACE VIEW published.district_stats AS
WITH run AS (
    SELECT id,
           coalesce((params ->> 'as_of')::date, finished_at::date) AS as_of
      FROM analysis_run
     WHERE status = 'done'
     ORDER BY id DESC
     LIMIT 1
)
SELECT d.id,
       d.name AS district,
       d.ags::text AS ags,
       m.name AS town,
       NOT s.public AS suppressed,
       CASE WHEN s.public THEN s.addresses END AS addresses,
       CASE WHEN s.public THEN s.buildings END AS buildings,
       CASE WHEN s.public THEN s.dwellings END AS dwellings,
       CASE WHEN s.public THEN s.vacant END AS vacant,
       CASE WHEN s.public THEN s.partly_vacant END AS partly_vacant,
       CASE WHEN s.public THEN s.risk END AS risk,
       CASE WHEN s.public THEN round(s.vacancy_rate::numeric, 4)::float8 END AS vacancy_rate,
       CASE WHEN s.public THEN s.gaps END AS gaps,
       CASE WHEN s.public THEN round(s.gap_area_ha::numeric, 2)::float8 END AS gap_area_ha,
       CASE WHEN s.public THEN round(s.potential_dwellings::numeric, 1)::float8 END AS potential_dwellings,
       CASE WHEN s.public THEN s.brownfields END AS brownfields,
       CASE WHEN s.public THEN round(s.forecast_5y::numeric, 1)::float8 END AS forecast_5y,
       CASE WHEN s.public THEN round(s.forecast_10y::numeric, 1)::float8 END AS forecast_10y,
       run.as_of AS last_verified,
       d.boundary AS geom
  FROM run
  JOIN area_stats s ON s.run_id = run.id
  JOIN district d ON d.id = s.district_id
  JOIN municipality m ON m.ags = d.ags;

-- The cadastral background of the map (ALKIS geometry is open data in Thuringia): shapes,
-- the parcel key and the building function, nothing about people.
CREATE OR REPLACE VIEW published.parcel AS
SELECT p.alkis_id::text AS id, p.kennzeichen::text AS kennzeichen, p.ags::text AS ags, p.geom
  FROM parcel p;

CREATE OR REPLACE VIEW published.building AS
SELECT b.alkis_id::text AS id, b.function_code, b.geom
  FROM building b;
