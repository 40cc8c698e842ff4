UPDATE parcel p
   SET district_id = d.id
  FROM district d
 WHERE d.ags = p.ags AND d.gemarkung = p.gemarkung
   AND p.district_id IS DISTINCT FROM d.id
