-- The dominant land use of a parcel: the land-use area under its inner point. Land use tiles
-- the whole area, so exactly one area contains the point; probing the index with the point
-- (not the parcel's box) keeps this fast for millions of parcels.
UPDATE parcel p
   SET land_use = x.class
  FROM (SELECT q.id, l.class
          FROM parcel q
          JOIN land_use l ON ST_Intersects(l.geom, ST_PointOnSurface(q.geom))) x
 WHERE x.id = p.id
   AND p.land_use IS DISTINCT FROM x.class
