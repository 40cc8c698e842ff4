SELECT ('x' || left(md5(p.id), 15))::bit(60)::bigint AS id,
       p.id AS alkis_id, p.kennzeichen,
       ST_Transform(p.geom, 3857) AS g
  FROM published.parcel p
 WHERE p.geom && (SELECT box FROM bounds)
