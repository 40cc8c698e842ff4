-- Names on the public map, from our own data: the towns and their Ortsteile (districts, named
-- by the Gemarkung catalogue), the streets (the street names of the addresses) and the house
-- numbers. Places and street lines are aggregates over every address, too dear to compute
-- per tile: they are kept as materialized views, refreshed with the districts before each
-- analysis run (store::facts::prepare), and read by the public views below.

-- One label per district that has addresses, at the centre of its addresses (the settlement,
-- not the middle of its fields). In each town one district carries the town's name instead:
-- the one named like the town, else the one with the most addresses (the core).
CREATE MATERIALIZED VIEW place_label AS
WITH settled AS (
    SELECT d.id, d.ags, d.name, count(*) AS addresses, ST_Centroid(ST_Collect(a.geom)) AS centre
      FROM address a
      LEFT JOIN building b ON b.id = a.building_id
      JOIN parcel p ON p.id = coalesce(a.parcel_id, b.parcel_id)
      JOIN district d ON d.ags = p.ags AND d.gemarkung = p.gemarkung
     WHERE a.geom IS NOT NULL
     GROUP BY d.id, d.ags, d.name
),
core AS (
    SELECT DISTINCT ON (s.ags) s.id
      FROM settled s
      JOIN municipality m ON m.ags = s.ags
     ORDER BY s.ags, (s.name = m.name) DESC, s.addresses DESC, s.id
)
SELECT s.id,
       CASE WHEN c.id IS NULL THEN s.name ELSE m.name END AS name,
       CASE WHEN c.id IS NULL THEN 'district' ELSE 'town' END AS kind,
       s.ags::text AS ags,
       s.addresses::integer AS addresses,
       s.centre::geometry(Point, 25832) AS geom
  FROM settled s
  JOIN municipality m ON m.ags = s.ags
  LEFT JOIN core c ON c.id = s.id;
CREATE UNIQUE INDEX place_label_id ON place_label (id);
CREATE INDEX place_label_geom_gist ON place_label USING gist (geom);

-- One line per street to hang its name on: the straight line between the street's two
-- addresses farthest apart. ALKIS has no street axes (the street land use is an area without
-- a name); the line follows a street of houses on both sides well enough for a label, and
-- costs one aggregate per street. Streets with a single address or shorter than 30 m get no
-- line (their house number is on the map).
CREATE MATERIALIZED VIEW street_line AS
SELECT s.id, s.ags, s.name, ST_LongestLine(s.points, s.points)::geometry(LineString, 25832) AS geom
  FROM (SELECT min(a.id) AS id, a.ags::text AS ags, min(a.street) AS name,
               ST_Collect(a.geom) AS points
          FROM address a
         WHERE a.geom IS NOT NULL AND a.ags IS NOT NULL
         GROUP BY a.ags, a.street_key
        HAVING count(*) >= 2) s
 WHERE ST_MaxDistance(s.points, s.points) >= 30;
CREATE UNIQUE INDEX street_line_id ON street_line (id);
CREATE INDEX street_line_geom_gist ON street_line USING gist (geom);

CREATE VIEW published.place_label AS
SELECT l.id, l.name, l.kind, l.ags, l.addresses, l.geom
  FROM place_label l;

CREATE VIEW published.street_label AS
SELECT l.id, l.name, l.ags, l.geom
  FROM street_line l;

-- House numbers at their address points (`12`, `12a`).
CREATE VIEW published.house_number AS
SELECT a.id, a.house_number::text || a.house_suffix AS number, a.geom
  FROM address a
 WHERE a.geom IS NOT NULL;
