SELECT o.id, o.kind, o.title, o.price_eur, o.area_m2, o.land_use, o.parcel AS alkis_id,
       o.ags, o.town, o.district, o.updated_on::text AS updated_on,
       ST_Transform(o.geom, 3857) AS g
  FROM published.offer o
 WHERE o.kind = 'interim_use' AND o.geom && (SELECT box FROM bounds)
