SELECT h.id, h.number, ST_Transform(h.geom, 3857) AS g
  FROM published.house_number h
 WHERE h.geom && (SELECT box FROM bounds)
