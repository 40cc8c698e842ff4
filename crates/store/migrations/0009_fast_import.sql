-- Faster imports: parcel_ags_idx (0002) is a prefix of parcel_ags_gemarkung_idx (0007), which
-- serves every lookup by AGS (and the foreign-key checks of municipality) as well; each import
-- paid for maintaining or rebuilding both.
DROP INDEX IF EXISTS parcel_ags_idx;
