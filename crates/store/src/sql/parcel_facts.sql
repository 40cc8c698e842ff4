-- Parcels with outline, legal area and the district of their Gemarkung; the inner point to
-- look the dominant land use up at, and the land use and district stored now.
SELECT p.id, p.alkis_id, p.ags::text, d.id, ST_AsBinary(p.geom), p.official_area_m2,
       ST_X(pt), ST_Y(pt), p.land_use, p.district_id
  FROM parcel p
  LEFT JOIN district d ON d.ags = p.ags AND d.gemarkung = p.gemarkung
  CROSS JOIN LATERAL ST_PointOnSurface(p.geom) pt
 ORDER BY p.id
