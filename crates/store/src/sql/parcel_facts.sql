-- Parcels with outline, legal area, dominant land use, and whether the commercial land under
-- them is recorded as out of operation (ALKIS zustand 2100).
SELECT p.id, p.alkis_id, p.ags::text, p.district_id, ST_AsBinary(p.geom), p.official_area_m2,
       p.land_use,
       coalesce(p.land_use = 'AX_IndustrieUndGewerbeflaeche'
                AND EXISTS (SELECT 1 FROM land_use l
                             WHERE l.class = 'AX_IndustrieUndGewerbeflaeche' AND l.zustand = 2100
                               AND ST_Intersects(l.geom, ST_PointOnSurface(p.geom))), false)
  FROM parcel p
 ORDER BY p.id
