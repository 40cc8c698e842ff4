-- Each parcel's dominant land use (the land-use area under its inner point: land use tiles
-- the whole area, so exactly one area contains it) and its district (Gemarkung), for the
-- parcels where either differs from what is stored. A plain query, so PostgreSQL runs it on
-- parallel workers (an UPDATE … FROM would probe the land use on one core only).
SELECT q.id, l.class, d.id AS district_id
  FROM parcel q
  LEFT JOIN LATERAL (SELECT l.class FROM land_use l
                      WHERE ST_Intersects(l.geom, ST_PointOnSurface(q.geom))
                      ORDER BY l.id LIMIT 1) l ON true
  LEFT JOIN district d ON d.ags = q.ags AND d.gemarkung = q.gemarkung
 WHERE (q.land_use, q.district_id) IS DISTINCT FROM (l.class, d.id)
