-- The figures of each run per town and per district (Ortsteil), one typed column per field
-- of `analysis::AreaStats`, written with the run's verdicts in the same transaction. The
-- public view `published.district_stats` reads them from here (see 0016); until now they
-- were parsed out of the JSON of `analysis_run.summary`, where a renamed field became NULL
-- without a word. `summary` stays as the run's own record (the notebooks read it).
CREATE TABLE area_stats (
    run_id              bigint NOT NULL REFERENCES analysis_run ON DELETE CASCADE,
    -- NULL: parcels of no known town.
    ags                 char(8) CHECK (ags ~ '^[0-9]{8}$'),
    -- NULL: the figures of the whole town.
    district_id         bigint REFERENCES district ON DELETE CASCADE,
    buildings           integer NOT NULL CHECK (buildings >= 0),
    addresses           integer NOT NULL CHECK (addresses >= 0),
    dwellings           integer NOT NULL CHECK (dwellings >= 0),
    vacant_dwellings    integer NOT NULL CHECK (vacant_dwellings >= 0),
    vacant              integer NOT NULL CHECK (vacant >= 0),
    partly_vacant       integer NOT NULL CHECK (partly_vacant >= 0),
    risk                integer NOT NULL CHECK (risk >= 0),
    unknown             integer NOT NULL CHECK (unknown >= 0),
    vacancy_rate        double precision NOT NULL,
    gaps                integer NOT NULL CHECK (gaps >= 0),
    gap_area_ha         double precision NOT NULL,
    potential_dwellings double precision NOT NULL,
    brownfields         integer NOT NULL CHECK (brownfields >= 0),
    brownfield_area_ha  double precision NOT NULL,
    underused           integer NOT NULL CHECK (underused >= 0),
    forecast_5y         double precision NOT NULL,
    forecast_10y        double precision NOT NULL,
    -- Whether the figures may be published: they cover at least five addresses.
    public              boolean NOT NULL
);
-- One row per run and district, and one per run and town (the town's total).
CREATE UNIQUE INDEX area_stats_district_key ON area_stats (run_id, district_id)
    WHERE district_id IS NOT NULL;
CREATE UNIQUE INDEX area_stats_town_key ON area_stats (run_id, ags)
    WHERE district_id IS NULL;

-- The runs so far: their figures once more, from the JSON they were stored as.
INSERT INTO area_stats (run_id, ags, district_id, buildings, addresses, dwellings,
                        vacant_dwellings, vacant, partly_vacant, risk, unknown, vacancy_rate,
                        gaps, gap_area_ha, potential_dwellings, brownfields,
                        brownfield_area_ha, underused, forecast_5y, forecast_10y, public)
SELECT r.id, e.ags, e.district_id,
       coalesce(e.buildings, 0), coalesce(e.addresses, 0), coalesce(e.dwellings, 0),
       coalesce(e.vacant_dwellings, 0), coalesce(e.vacant, 0), coalesce(e.partly_vacant, 0),
       coalesce(e.risk, 0), coalesce(e.unknown, 0), coalesce(e.vacancy_rate, 0),
       coalesce(e.gaps, 0), coalesce(e.gap_area_ha, 0), coalesce(e.potential_dwellings, 0),
       coalesce(e.brownfields, 0), coalesce(e.brownfield_area_ha, 0), coalesce(e.underused, 0),
       coalesce(e.forecast_5y, 0), coalesce(e.forecast_10y, 0), coalesce(e.public, false)
  FROM analysis_run r,
       jsonb_to_recordset(CASE jsonb_typeof(r.summary) WHEN 'array' THEN r.summary
                                                       ELSE '[]'::jsonb END)
         AS e(ags char(8), district_id bigint, buildings integer, addresses integer,
              dwellings integer, vacant_dwellings integer, vacant integer,
              partly_vacant integer, risk integer, unknown integer,
              vacancy_rate double precision, gaps integer, gap_area_ha double precision,
              potential_dwellings double precision, brownfields integer,
              brownfield_area_ha double precision, underused integer,
              forecast_5y double precision, forecast_10y double precision, public boolean)
 WHERE e.district_id IS NULL OR EXISTS (SELECT 1 FROM district d WHERE d.id = e.district_id);
