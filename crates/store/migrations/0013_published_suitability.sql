-- Investors rank plots by suitability: the public plot view gains the score and its parts
-- (sizes and distances, nothing about people) from the same run as the verdict.
CREATE OR REPLACE VIEW published.plot AS
SELECT p.alkis_id::text AS id,
       p.kennzeichen::text AS kennzeichen,
       cv.class,
       p.official_area_m2 AS area_m2,
       p.land_use,
       p.ags::text AS ags,
       m.name AS town,
       d.name AS district,
       cv.as_of AS last_verified,
       p.geom,
       s.score::float8 AS suitability,
       s.parts AS suitability_parts
  FROM current_verdict cv
  JOIN parcel p ON p.id = cv.parcel_id
  JOIN parcel_release r ON r.parcel_id = p.id
  JOIN municipality m ON m.ags = p.ags
  LEFT JOIN district d ON d.id = p.district_id
  LEFT JOIN plot_suitability s ON s.run_id = cv.run_id AND s.parcel_id = p.id;
