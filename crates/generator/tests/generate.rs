//! `generator::generate` end to end: determinism, what GDAL reads, the statistics of the
//! four towns, a clean parcel coverage checked by PostGIS, and that the registers carry
//! enough (and not too perfect) evidence of the truth.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use generator::{Config, Manifest, Options};
use sha2::{Digest, Sha256};

fn run(out: &Path, seed: u64, scale: f64, noise: f64) -> Manifest {
    generator::generate(&Options {
        out: out.to_owned(),
        seed,
        scale,
        noise,
        config: Config::builtin().unwrap(),
    })
    .unwrap()
}

fn all_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// The digest of everything the generator itself formats (NAS, land values, registers,
/// truth). The GeoPackage is written by GDAL/SQLite, so it is compared between two runs
/// instead.
const PINNED_DIGEST: &str = "83998c470e51a43948aa7da5214dbc7ac5b4132b55565e12176034ddfa410246";

#[test]
fn same_seed_same_bytes_and_pinned_output() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let ma = run(a.path(), 7, 0.05, 1.0);
    run(b.path(), 7, 0.05, 1.0);
    let fa = all_files(a.path());
    let fb = all_files(b.path());
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (name, bytes) in &fa {
        assert!(
            bytes == &fb[name],
            "{name} differs between two runs with seed 7"
        );
    }
    // Every file is in the manifest with its checksum.
    for f in &ma.files {
        let digest = hex::encode(Sha256::digest(&fa[&f.path]));
        assert_eq!(digest, f.sha256, "{}", f.path);
    }
    let mut h = Sha256::new();
    for f in ma.files.iter().filter(|f| f.path != "alkis.gpkg") {
        h.update(f.path.as_bytes());
        h.update(f.sha256.as_bytes());
    }
    let digest = hex::encode(h.finalize());
    assert_eq!(
        digest, PINNED_DIGEST,
        "the output of seed 7 at scale 0.05 changed; if that is intended, pin the new digest"
    );

    // Another seed gives other data; more noise changes the registers, not the cadastre.
    let c = tempfile::tempdir().unwrap();
    let mc = run(c.path(), 8, 0.05, 1.0);
    assert_ne!(mc.files, ma.files);
    let d = tempfile::tempdir().unwrap();
    run(d.path(), 7, 0.05, 2.0);
    let fd = all_files(d.path());
    for (name, bytes) in &fa {
        let same = bytes == &fd[name];
        if name.starts_with("alkis") || name == "truth.csv" {
            assert!(same, "{name} must not depend on --noise");
        } else if name.starts_with("registers/") && !name.ends_with("reports.csv") {
            assert!(!same, "{name} must depend on --noise");
        }
    }
}

/// ogrinfo's feature count of one layer, or None if the layer is absent.
fn feature_count(path: &Path, layer: &str) -> Option<u64> {
    let out = Command::new("ogrinfo")
        .args(["-ro", "-so"])
        .arg(path)
        .arg(layer)
        .output()
        .expect("ogrinfo (gdal-bin) installed");
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return None;
    }
    text.lines()
        .find_map(|l| l.strip_prefix("Feature Count: "))
        .map(|n| n.trim().parse().unwrap())
}

#[test]
fn gdal_reads_every_nas_file_and_the_geopackage() {
    let dir = tempfile::tempdir().unwrap();
    let m = run(dir.path(), 3, 0.05, 1.0);
    let mut parcels = 0;
    let mut buildings = 0;
    let mut addresses = 0;
    for f in m.files.iter().filter(|f| f.path.ends_with(".xml")) {
        // GDAL writes a .gfs next to a NAS file it opens: these files are in a temp dir.
        let path = dir.path().join(&f.path);
        let out = Command::new("ogrinfo")
            .arg("-ro")
            .arg(&path)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{}: {text}", f.path);
        assert!(text.contains("using driver `NAS'"), "{}: {text}", f.path);
        parcels += feature_count(&path, "AX_Flurstueck").unwrap();
        buildings += feature_count(&path, "AX_Gebaeude").unwrap();
        addresses += feature_count(&path, "AX_LagebezeichnungMitHausnummer").unwrap();
        assert!(feature_count(&path, "AX_LagebezeichnungKatalogeintrag").unwrap() > 0);
        assert!(feature_count(&path, "AX_Landwirtschaft").unwrap() > 0);
    }
    assert_eq!(parcels, m.totals.parcels);
    assert_eq!(buildings, m.totals.buildings);
    assert_eq!(addresses, m.totals.addresses);
    let gpkg = dir.path().join("alkis.gpkg");
    assert_eq!(feature_count(&gpkg, "parcels"), Some(m.totals.parcels));
    assert_eq!(feature_count(&gpkg, "buildings"), Some(m.totals.buildings));
    assert_eq!(feature_count(&gpkg, "addresses"), Some(m.totals.addresses));
    let land_use: u64 = m.towns.iter().map(|c| c.land_use).sum();
    assert_eq!(feature_count(&gpkg, "land_use"), Some(land_use));

    // Relations survive: a building points to its address, the parcel to the same one.
    let path = dir.path().join(
        &m.files
            .iter()
            .find(|f| f.path.ends_with(".xml"))
            .unwrap()
            .path,
    );
    let out = Command::new("ogrinfo")
        .args([
            "-ro",
            "-q",
            "-sql",
            "SELECT zeigtAuf FROM AX_Gebaeude WHERE zeigtAuf IS NOT NULL",
        ])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let targets: BTreeSet<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("zeigtAuf (String) = "))
        .collect();
    assert!(!targets.is_empty(), "{text}");
    let out = Command::new("ogrinfo")
        .args([
            "-ro",
            "-q",
            "-sql",
            "SELECT gml_id FROM AX_LagebezeichnungMitHausnummer",
        ])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let ids: BTreeSet<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("gml_id (String) = "))
        .collect();
    assert!(
        targets.is_subset(&ids),
        "a building points to an address that is not there"
    );
}

#[test]
fn the_four_towns_at_scale_one_look_like_the_real_ones() {
    let dir = tempfile::tempdir().unwrap();
    let m = run(dir.path(), 1, 1.0, 1.0);
    let t = &m.totals;
    // The target: about 50k parcels and 30k buildings for the four towns.
    assert!(
        (40_000..=60_000).contains(&t.parcels),
        "parcels {}",
        t.parcels
    );
    assert!(
        (24_000..=36_000).contains(&t.buildings),
        "buildings {}",
        t.buildings
    );
    // Inhabitants within 10 % of Destatis 31.12.2019, per town.
    let real: BTreeMap<&str, u64> = [
        ("16068051", 18_947),
        ("16068063", 6_660),
        ("16068064", 3_791),
        ("16068053", 2_105),
    ]
    .into();
    for c in &m.towns {
        let r = real[c.ags.as_str()] as f64;
        let got = c.inhabitants as f64;
        assert!(
            (got / r - 1.0).abs() < 0.10,
            "{}: {} inhabitants, real {r}",
            c.name,
            got
        );
        // Parcels and buildings in proportion to the town.
        assert!(
            c.parcels as f64 > 0.7 * r && (c.parcels as f64) < 3.5 * r,
            "{}: {} parcels",
            c.name,
            c.parcels
        );
        assert!(
            c.buildings as f64 > 0.5 * r && (c.buildings as f64) < 1.6 * r,
            "{}: {} buildings",
            c.name,
            c.buildings
        );
        assert!(
            c.truth_parcels.get("building_gap").copied().unwrap_or(0) > 10,
            "{}: gaps",
            c.name
        );
    }
    let brownfields: u64 = m
        .towns
        .iter()
        .map(|c| c.truth_parcels.get("brownfield").copied().unwrap_or(0))
        .sum();
    let underused: u64 = m
        .towns
        .iter()
        .map(|c| c.truth_parcels.get("underused").copied().unwrap_or(0))
        .sum();
    assert!(
        brownfields >= 5 && underused >= 5,
        "brownfields {brownfields}, underused {underused}"
    );
    // About 7 % of dwellings vacant, more in the villages than in Sömmerda's core.
    assert!(
        (5.5..=8.5).contains(&t.vacancy_rate_percent),
        "vacancy {} %",
        t.vacancy_rate_percent
    );
    let s = m.towns.iter().find(|c| c.ags == "16068051").unwrap();
    let core = s.core_vacant_dwellings as f64 / s.core_dwellings as f64;
    let villages = (s.vacant_dwellings - s.core_vacant_dwellings) as f64
        / (s.dwellings - s.core_dwellings) as f64;
    assert!(villages > core, "villages {villages} vs core {core}");
}

/// Loads the parcels and buildings of the GeoPackage into PostGIS.
async fn load(pool: &sqlx::PgPool, gpkg: &Path) {
    use gdal::vector::LayerAccess;
    sqlx::query("CREATE TABLE p (id serial PRIMARY KEY, kz text, ags text, geom geometry(MultiPolygon, 25832))")
        .execute(pool)
        .await
        .unwrap();
    sqlx::query(
        "CREATE TABLE b (id serial PRIMARY KEY, kz text, geom geometry(MultiPolygon, 25832))",
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("CREATE TABLE l (id serial PRIMARY KEY, geom geometry(MultiPolygon, 25832))")
        .execute(pool)
        .await
        .unwrap();
    let ds = gdal::Dataset::open(gpkg).unwrap();
    for (layer, table, key) in [
        ("parcels", "p", Some("kennzeichen")),
        ("buildings", "b", Some("parcel_kennzeichen")),
        ("land_use", "l", None),
    ] {
        let mut lyr = ds.layer_by_name(layer).unwrap();
        let mut wkbs: Vec<Vec<u8>> = Vec::new();
        let mut keys: Vec<String> = Vec::new();
        let mut agss: Vec<String> = Vec::new();
        for f in lyr.features() {
            wkbs.push(f.geometry().unwrap().wkb().unwrap());
            if let Some(k) = key {
                keys.push(
                    f.field_as_string(f.field_index(k).unwrap())
                        .unwrap()
                        .unwrap_or_default(),
                );
            }
            if table == "p" {
                agss.push(
                    f.field_as_string(f.field_index("ags").unwrap())
                        .unwrap()
                        .unwrap_or_default(),
                );
            }
        }
        let sql = match table {
            "p" => "INSERT INTO p (kz, ags, geom) SELECT k, a, ST_GeomFromWKB(w, 25832) FROM UNNEST($1::bytea[], $2::text[], $3::text[]) AS t(w, k, a)",
            "b" => "INSERT INTO b (kz, geom) SELECT k, ST_GeomFromWKB(w, 25832) FROM UNNEST($1::bytea[], $2::text[]) AS t(w, k)",
            _ => "INSERT INTO l (geom) SELECT ST_GeomFromWKB(w, 25832) FROM UNNEST($1::bytea[]) AS t(w)",
        };
        let mut q = sqlx::query(sql).bind(&wkbs);
        if key.is_some() {
            q = q.bind(&keys);
        }
        if table == "p" {
            q = q.bind(&agss);
        }
        q.execute(pool).await.unwrap();
    }
    for t in ["p", "b", "l"] {
        sqlx::query(&format!("CREATE INDEX ON {t} USING gist (geom)"))
            .execute(pool)
            .await
            .unwrap();
    }
}

async fn scalar(pool: &sqlx::PgPool, sql: &str) -> f64 {
    sqlx::query_scalar::<_, f64>(sql)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test]
async fn parcels_tile_each_town_without_gaps_or_overlaps(pool: sqlx::PgPool) {
    let dir = tempfile::tempdir().unwrap();
    let m = run(dir.path(), 5, 0.05, 1.0);
    load(&pool, &dir.path().join("alkis.gpkg")).await;
    assert_eq!(
        scalar(&pool, "SELECT count(*)::float8 FROM p").await as u64,
        m.totals.parcels
    );
    for t in ["p", "b", "l"] {
        let invalid = scalar(
            &pool,
            &format!(
                "SELECT count(*)::float8 FROM {t} WHERE NOT ST_IsValid(geom) OR ST_IsEmpty(geom)"
            ),
        )
        .await;
        assert_eq!(invalid, 0.0, "invalid geometries in {t}");
    }
    for t in ["p", "l"] {
        let overlaps = scalar(
            &pool,
            &format!(
                "SELECT count(*)::float8 FROM {t} x JOIN {t} y ON x.id < y.id AND x.geom && y.geom
                  WHERE ST_Area(ST_Intersection(x.geom, y.geom)) > 0.01"
            ),
        )
        .await;
        assert_eq!(overlaps, 0.0, "overlapping polygons in {t}");
    }
    // No gaps: per town, the parcel areas add up to the territory (a rectangle), and so do
    // the land-use areas.
    let gap = scalar(
        &pool,
        "SELECT max(abs(s - e))::float8 FROM (SELECT ags, sum(ST_Area(geom)) s, ST_Area(ST_Extent(geom)::geometry) e FROM p GROUP BY ags) t",
    )
    .await;
    assert!(gap < 1.0, "parcels leave {gap} m² of a town uncovered");
    let land = scalar(&pool, "SELECT abs((SELECT sum(ST_Area(geom)) FROM l) - (SELECT sum(ST_Area(geom)) FROM p))::float8").await;
    assert!(land < 1.0, "land use and parcels differ by {land} m²");
    // Shared edges are exact: the union of all parcels of a town has no inner slivers.
    let holes = scalar(
        &pool,
        "SELECT max(ST_NumInteriorRings(ST_GeometryN(u, 1)) + ST_NumGeometries(u) - 1)::float8
           FROM (SELECT ST_Union(geom) u FROM p GROUP BY ags) t",
    )
    .await;
    assert_eq!(
        holes, 0.0,
        "the union of a town's parcels is not one solid polygon"
    );
    // Every building stands on its parcel.
    let outside = scalar(
        &pool,
        "SELECT count(*)::float8 FROM b JOIN p ON p.kz = b.kz WHERE NOT ST_CoveredBy(b.geom, p.geom)",
    )
    .await;
    assert_eq!(outside, 0.0, "buildings outside their parcel");
    let buildings = scalar(
        &pool,
        "SELECT count(*)::float8 FROM b JOIN p ON p.kz = b.kz",
    )
    .await;
    assert_eq!(buildings as u64, m.totals.buildings);
    let overlaps = scalar(
        &pool,
        "SELECT count(*)::float8 FROM b x JOIN b y ON x.id < y.id AND x.geom && y.geom WHERE ST_Area(ST_Intersection(x.geom, y.geom)) > 0.01",
    )
    .await;
    assert_eq!(overlaps, 0.0, "overlapping buildings");
}

/// A plain rule over the registers — low electricity, or nobody registered and no meter —
/// finds the vacant buildings well but not perfectly, because of the noise.
fn vacant_building_f1(dir: &Path) -> f64 {
    let read = |p: PathBuf| std::fs::read_to_string(p).unwrap();
    // ALKIS addresses → building, through the GeoPackage.
    use gdal::vector::LayerAccess;
    let ds = gdal::Dataset::open(dir.join("alkis.gpkg")).unwrap();
    let mut lyr = ds.layer_by_name("addresses").unwrap();
    let mut by_key: BTreeMap<String, String> = BTreeMap::new();
    for f in lyr.features() {
        let s = f
            .field_as_string(f.field_index("street").unwrap())
            .unwrap()
            .unwrap();
        let n = f
            .field_as_string(f.field_index("house_number").unwrap())
            .unwrap()
            .unwrap();
        let plz = f
            .field_as_string(f.field_index("postcode").unwrap())
            .unwrap()
            .unwrap();
        let b = f
            .field_as_string(f.field_index("building_alkis_id").unwrap())
            .unwrap()
            .unwrap();
        by_key.insert(key(&plz, &s, &n), b);
    }
    let mut registered: BTreeSet<String> = BTreeSet::new();
    for line in read(dir.join("registers/residents.csv")).lines().skip(1) {
        let c: Vec<&str> = line.split(';').collect();
        let people: u32 = c[5..10].iter().map(|v| v.parse::<u32>().unwrap()).sum();
        if people > 0 {
            if let Some(b) = by_key.get(&key(c[3], c[1], c[2])) {
                registered.insert(b.clone());
            }
        }
    }
    let mut power: BTreeMap<String, (u16, f64)> = BTreeMap::new();
    for line in read(dir.join("registers/meters.csv")).lines().skip(1) {
        let c: Vec<&str> = line.split(';').collect();
        if c[4] != "Strom" {
            continue;
        }
        if let Some(b) = by_key.get(&key(c[3], c[1], c[2])) {
            let year: u16 = c[5].parse().unwrap();
            let v: f64 = c[6].replace(',', ".").parse().unwrap();
            let e = power.entry(b.clone()).or_insert((0, 0.0));
            if year > e.0 {
                *e = (year, v);
            }
        }
    }
    let addressed: BTreeSet<&String> = by_key.values().collect();
    let (mut tp, mut fp, mut fn_) = (0u32, 0u32, 0u32);
    for line in read(dir.join("truth.csv")).lines().skip(1) {
        let c: Vec<&str> = line.split(',').collect();
        if c[0] != "building" || !addressed.contains(&c[1].to_owned()) {
            continue;
        }
        let predicted = match power.get(c[1]) {
            Some(&(_, kwh)) => kwh < 250.0,
            None => !registered.contains(c[1]),
        };
        match (predicted, c[2] == "vacant") {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, true) => fn_ += 1,
            _ => {}
        }
    }
    2.0 * f64::from(tp) / f64::from(2 * tp + fp + fn_)
}

/// Street names repeat between towns, so the postcode is part of the key.
fn key(plz: &str, street: &str, number: &str) -> String {
    let n: model::HouseNumber = number.parse().unwrap_or(model::HouseNumber {
        number: 0,
        suffix: None,
    });
    format!("{plz} {} {n}", model::normalize_street(street))
}

#[test]
fn registers_are_good_but_imperfect_evidence() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), 11, 0.3, 1.0);
    let f1 = vacant_building_f1(dir.path());
    assert!((0.9..0.995).contains(&f1), "F1 at noise 1: {f1}");
    let noisy = tempfile::tempdir().unwrap();
    run(noisy.path(), 11, 0.3, 2.0);
    let f1_noisy = vacant_building_f1(noisy.path());
    assert!(
        f1_noisy < f1,
        "noise 2 ({f1_noisy}) should be harder than noise 1 ({f1})"
    );
}
