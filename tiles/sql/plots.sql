SELECT ('x' || left(md5(p.id), 15))::bit(60)::bigint AS id,
       p.id AS alkis_id, p.kennzeichen, p.class, p.area_m2, p.land_use, p.ags,
       p.town, p.district, p.last_verified::text AS last_verified,
       ST_Transform(p.geom, 3857) AS g
  FROM published.plot p
 WHERE p.geom && (SELECT box FROM bounds)
