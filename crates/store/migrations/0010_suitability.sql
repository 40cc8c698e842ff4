-- Investor suitability of the plots a run found (building gaps, vacant building plots,
-- brownfields, underused plots): the score and the parts it is made of, so the API can rank
-- plots and say why. Written with the run's verdicts, in the same transaction.

CREATE TABLE plot_suitability (
    run_id     bigint NOT NULL,
    parcel_id  bigint NOT NULL,
    -- Weighted mean of the parts, 0 (poor) to 1 (ideal).
    score      real NOT NULL CHECK (score BETWEEN 0 AND 1),
    -- [{name, value, score, weight}, …]; value is null where nothing was found within reach.
    parts      jsonb NOT NULL CHECK (jsonb_typeof(parts) = 'array'),
    PRIMARY KEY (run_id, parcel_id),
    -- Only plots with a verdict of the same run are scored.
    FOREIGN KEY (run_id, parcel_id) REFERENCES verdict (run_id, parcel_id) ON DELETE CASCADE
);
-- The best plots of a run first.
CREATE INDEX plot_suitability_run_score_idx ON plot_suitability (run_id, score DESC);

-- Each analysis run after an import writes every parcel's land use and district once
-- (`store::facts::prepare`). With room on the page for the new row version the update is
-- heap-only (HOT): no entry in any of the parcel's indexes. That halves the pages of a bulk
-- load but makes the first run after it several times faster (1M parcels: 22 s instead of
-- 75–160 s). It applies to pages written from now on.
ALTER TABLE parcel SET (fillfactor = 50);
