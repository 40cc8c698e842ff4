-- Verdicts of two runs side by side: new (only in the newer), resolved (only in the older)
-- and changed class.
WITH a AS (SELECT CASE WHEN building_id IS NULL THEN 'parcel' ELSE 'building' END AS kind,
                  coalesce(building_id, parcel_id) AS id, class
             FROM verdict WHERE run_id = $1),
     b AS (SELECT CASE WHEN building_id IS NULL THEN 'parcel' ELSE 'building' END AS kind,
                  coalesce(building_id, parcel_id) AS id, class
             FROM verdict WHERE run_id = $2),
     changed AS (SELECT coalesce(a.kind, b.kind) AS kind, coalesce(a.id, b.id) AS id,
                        a.class AS before, b.class AS after
                   FROM a FULL JOIN b ON a.kind = b.kind AND a.id = b.id
                  WHERE a.class IS DISTINCT FROM b.class)
SELECT c.kind,
       (CASE c.kind WHEN 'building' THEN bu.alkis_id ELSE pa.alkis_id END)::text AS alkis_id,
       c.before, c.after
  FROM changed c
  LEFT JOIN building bu ON c.kind = 'building' AND bu.id = c.id
  LEFT JOIN parcel pa ON c.kind = 'parcel' AND pa.id = c.id
 ORDER BY c.kind, alkis_id
