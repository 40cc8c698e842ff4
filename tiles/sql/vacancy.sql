SELECT ('x' || left(md5(v.id), 15))::bit(60)::bigint AS id,
       v.id AS alkis_id, v.class, v.ags, v.town, v.district,
       v.last_verified::text AS last_verified,
       ST_Transform(v.geom, 3857) AS g
  FROM published.vacancy v
 WHERE v.geom && (SELECT box FROM bounds)
