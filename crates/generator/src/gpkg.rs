//! The same cadastre as one GeoPackage (`alkis.gpkg`, EPSG:25832) through GDAL. Rows are
//! buffered and written in one transaction per batch, which keeps memory bounded and SQLite
//! fast.

use std::path::{Path, PathBuf};

use gdal::spatial_ref::SpatialRef;
use gdal::vector::{
    Feature, Geometry, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType,
};
use gdal::{Dataset, DriverManager};

use crate::GenError;

const BATCH: usize = 50_000;

#[derive(Debug)]
enum Row {
    Parcel {
        wkb: Vec<u8>,
        alkis_id: String,
        kennzeichen: String,
        ags: String,
        area: f64,
    },
    Building {
        wkb: Vec<u8>,
        alkis_id: String,
        function: i32,
        storeys: i32,
        parcel: String,
    },
    Address {
        wkb: Vec<u8>,
        alkis_id: String,
        ags: String,
        street: String,
        house_number: String,
        postcode: String,
        building: String,
    },
    LandUse {
        wkb: Vec<u8>,
        alkis_id: String,
        class: &'static str,
        function: Option<i32>,
    },
}

pub struct GpkgWriter {
    path: PathBuf,
    ds: Dataset,
    rows: Vec<Row>,
}

impl std::fmt::Debug for GpkgWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GpkgWriter")
            .field("path", &self.path)
            .finish()
    }
}

/// A layer: name, geometry type and fields, in the order the writer sets them.
type LayerDef = (
    &'static str,
    OGRwkbGeometryType::Type,
    &'static [(&'static str, OGRFieldType::Type)],
);

const LAYERS: [LayerDef; 4] = [
    (
        "parcels",
        OGRwkbGeometryType::wkbMultiPolygon,
        &[
            ("alkis_id", OGRFieldType::OFTString),
            ("kennzeichen", OGRFieldType::OFTString),
            ("ags", OGRFieldType::OFTString),
            ("official_area_m2", OGRFieldType::OFTReal),
        ],
    ),
    (
        "buildings",
        OGRwkbGeometryType::wkbMultiPolygon,
        &[
            ("alkis_id", OGRFieldType::OFTString),
            ("function_code", OGRFieldType::OFTInteger),
            ("storeys", OGRFieldType::OFTInteger),
            ("parcel_kennzeichen", OGRFieldType::OFTString),
        ],
    ),
    (
        "addresses",
        OGRwkbGeometryType::wkbPoint,
        &[
            ("alkis_id", OGRFieldType::OFTString),
            ("ags", OGRFieldType::OFTString),
            ("street", OGRFieldType::OFTString),
            ("house_number", OGRFieldType::OFTString),
            ("postcode", OGRFieldType::OFTString),
            ("building_alkis_id", OGRFieldType::OFTString),
        ],
    ),
    (
        "land_use",
        OGRwkbGeometryType::wkbMultiPolygon,
        &[
            ("alkis_id", OGRFieldType::OFTString),
            ("class", OGRFieldType::OFTString),
            ("function_code", OGRFieldType::OFTInteger),
        ],
    ),
];

impl GpkgWriter {
    /// Creates the GeoPackage; `date` (ISO 8601) is written as its `last_change`, so the
    /// file does not depend on the clock.
    pub fn create(path: &Path, date: &str) -> Result<Self, GenError> {
        let err = |op| GenError::gdal(path, op);
        gdal::config::set_config_option("OGR_CURRENT_DATE", date)
            .map_err(err("set OGR_CURRENT_DATE"))?;
        if path.exists() {
            std::fs::remove_file(path).map_err(GenError::io(path))?;
        }
        let driver = DriverManager::get_driver_by_name("GPKG").map_err(err("find driver GPKG"))?;
        let mut ds = driver.create_vector_only(path).map_err(err("create"))?;
        let srs = SpatialRef::from_epsg(25832).map_err(err("EPSG:25832"))?;
        for (name, ty, fields) in LAYERS {
            let layer = ds
                .create_layer(LayerOptions {
                    name,
                    srs: Some(&srs),
                    ty,
                    options: None,
                })
                .map_err(err("create layer"))?;
            layer
                .create_defn_fields(fields)
                .map_err(err("create fields"))?;
        }
        Ok(Self {
            path: path.to_owned(),
            ds,
            rows: Vec::with_capacity(BATCH),
        })
    }

    pub fn parcel(
        &mut self,
        wkb: Vec<u8>,
        alkis_id: &str,
        kennzeichen: String,
        ags: &str,
        area: f64,
    ) -> Result<(), GenError> {
        self.push(Row::Parcel {
            wkb,
            alkis_id: alkis_id.to_owned(),
            kennzeichen,
            ags: ags.to_owned(),
            area,
        })
    }

    pub fn building(
        &mut self,
        wkb: Vec<u8>,
        alkis_id: &str,
        function: u16,
        storeys: u8,
        parcel: String,
    ) -> Result<(), GenError> {
        self.push(Row::Building {
            wkb,
            alkis_id: alkis_id.to_owned(),
            function: i32::from(function),
            storeys: i32::from(storeys),
            parcel,
        })
    }

    #[allow(clippy::too_many_arguments)]
    pub fn address(
        &mut self,
        wkb: Vec<u8>,
        alkis_id: &str,
        ags: &str,
        street: &str,
        house_number: String,
        postcode: &str,
        building: &str,
    ) -> Result<(), GenError> {
        self.push(Row::Address {
            wkb,
            alkis_id: alkis_id.to_owned(),
            ags: ags.to_owned(),
            street: street.to_owned(),
            house_number,
            postcode: postcode.to_owned(),
            building: building.to_owned(),
        })
    }

    pub fn land_use(
        &mut self,
        wkb: Vec<u8>,
        alkis_id: &str,
        class: &'static str,
        function: Option<u16>,
    ) -> Result<(), GenError> {
        self.push(Row::LandUse {
            wkb,
            alkis_id: alkis_id.to_owned(),
            class,
            function: function.map(i32::from),
        })
    }

    fn push(&mut self, row: Row) -> Result<(), GenError> {
        self.rows.push(row);
        if self.rows.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), GenError> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let path = self.path.clone();
        let err = |op| GenError::gdal(&path, op);
        let rows = std::mem::take(&mut self.rows);
        let txn = self
            .ds
            .start_transaction()
            .map_err(err("begin transaction"))?;
        {
            let layers = [
                txn.layer_by_name("parcels")
                    .map_err(err("open layer parcels"))?,
                txn.layer_by_name("buildings")
                    .map_err(err("open layer buildings"))?,
                txn.layer_by_name("addresses")
                    .map_err(err("open layer addresses"))?,
                txn.layer_by_name("land_use")
                    .map_err(err("open layer land_use"))?,
            ];
            for row in rows {
                let (li, wkb) = match &row {
                    Row::Parcel { wkb, .. } => (0, wkb),
                    Row::Building { wkb, .. } => (1, wkb),
                    Row::Address { wkb, .. } => (2, wkb),
                    Row::LandUse { wkb, .. } => (3, wkb),
                };
                let layer = &layers[li];
                let mut f = Feature::new(layer.defn()).map_err(err("new feature"))?;
                f.set_geometry(Geometry::from_wkb(wkb).map_err(err("geometry from WKB"))?)
                    .map_err(err("set geometry"))?;
                let r = match &row {
                    Row::Parcel {
                        alkis_id,
                        kennzeichen,
                        ags,
                        area,
                        ..
                    } => f
                        .set_field_string(0, alkis_id)
                        .and_then(|()| f.set_field_string(1, kennzeichen))
                        .and_then(|()| f.set_field_string(2, ags))
                        .and_then(|()| f.set_field_double(3, *area)),
                    Row::Building {
                        alkis_id,
                        function,
                        storeys,
                        parcel,
                        ..
                    } => f
                        .set_field_string(0, alkis_id)
                        .and_then(|()| f.set_field_integer(1, *function))
                        .and_then(|()| f.set_field_integer(2, *storeys))
                        .and_then(|()| f.set_field_string(3, parcel)),
                    Row::Address {
                        alkis_id,
                        ags,
                        street,
                        house_number,
                        postcode,
                        building,
                        ..
                    } => f
                        .set_field_string(0, alkis_id)
                        .and_then(|()| f.set_field_string(1, ags))
                        .and_then(|()| f.set_field_string(2, street))
                        .and_then(|()| f.set_field_string(3, house_number))
                        .and_then(|()| f.set_field_string(4, postcode))
                        .and_then(|()| f.set_field_string(5, building)),
                    Row::LandUse {
                        alkis_id,
                        class,
                        function,
                        ..
                    } => {
                        let r = f
                            .set_field_string(0, alkis_id)
                            .and_then(|()| f.set_field_string(1, class));
                        match function {
                            Some(v) => r.and_then(|()| f.set_field_integer(2, *v)),
                            None => r,
                        }
                    }
                };
                r.map_err(err("set field"))?;
                f.create(layer).map_err(err("write feature"))?;
            }
        }
        txn.commit().map_err(err("commit"))
    }

    pub fn finish(mut self) -> Result<(), GenError> {
        self.flush()?;
        let path = self.path.clone();
        self.ds.close().map_err(GenError::gdal(&path, "close"))
    }
}
