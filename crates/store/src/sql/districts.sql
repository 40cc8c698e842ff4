-- One district per Gemarkung: in the towns of the alliance every Ortsteil is its own
-- Gemarkung. The name comes from the Gemarkung catalogue where it was imported.
INSERT INTO district (ags, name, gemarkung, boundary)
SELECT p.ags,
       coalesce(g.name, 'Gemarkung ' || p.gemarkung),
       p.gemarkung,
       ST_Multi(ST_ConvexHull(ST_Collect(p.geom)))
  FROM parcel p
  LEFT JOIN gemarkung g ON g.land = substr(p.kennzeichen, 1, 2)::smallint AND g.nummer = p.gemarkung
 WHERE p.ags IS NOT NULL
 GROUP BY p.ags, p.gemarkung, g.name
ON CONFLICT (ags, gemarkung) DO UPDATE
   SET name = EXCLUDED.name, boundary = EXCLUDED.boundary
 WHERE district.name IS DISTINCT FROM EXCLUDED.name
    OR NOT ST_Equals(district.boundary, EXCLUDED.boundary)
