SELECT ('x' || left(md5(v.id), 15))::bit(60)::bigint AS id,
       v.id AS alkis_id, v.class, v.ags, v.town, v.district,
       v.last_verified::text AS last_verified,
       ST_AsMVTGeom(ST_Transform(v.geom, 3857), (SELECT tile FROM bounds), 4096, 64, true) AS geom
  FROM published.vacancy v
 WHERE v.geom && (SELECT box FROM bounds)
