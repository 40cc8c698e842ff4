//! The glyphs of the map's labels over HTTP: `/fonts/{fontstack}/{range}.pbf`, the signed
//! distance field glyph ranges MapLibre asks for (256 code points each, protobuf), rendered
//! from the TrueType fonts of the Debian package `fonts-dejavu-core` with `pbf_font_tools`
//! (FreeType and `sdf_glyph_renderer`, as martin does). A range is rendered on its first
//! request and kept in memory; nothing is fetched from elsewhere.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use pbf_font_tools::prost::Message;
use pbf_font_tools::{freetype, Glyphs};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::openapi::{NotFound, Unavailable, TILES};
use crate::problem::Path as UrlPath;
use crate::{AppState, Problem};

/// Where Debian's `fonts-dejavu-core` puts its fonts.
pub const DEFAULT_FONT_DIR: &str = "/usr/share/fonts/truetype/dejavu";
/// The fonts served: the name a style's `text-font` uses, and the file in the font folder.
pub const FONTS: &[(&str, &str)] = &[
    ("DejaVu Sans Book", "DejaVuSans.ttf"),
    ("DejaVu Sans Bold", "DejaVuSans-Bold.ttf"),
];
/// Glyph size, SDF radius and cutoff of MapLibre's glyph ranges (as fontnik and martin).
const SIZE: usize = 24;
const RADIUS: usize = 8;
const CUTOFF: f64 = 0.25;
/// Code points of a range; ranges start at multiples of it, up to the end of the BMP.
const RANGE: u32 = 256;
/// Clients may keep a range a day: the fonts change with a package upgrade at most.
const CACHE_CONTROL: &str = "public, max-age=86400";

/// A font the server cannot serve.
#[derive(Debug, thiserror::Error)]
pub enum FontError {
    #[error(
        "the font {name:?} ({}) is missing: install the Debian package fonts-dejavu-core \
         (scripts/setup.sh does) or name the folder of DejaVuSans.ttf with --font-dir",
        path.display()
    )]
    Missing { name: &'static str, path: PathBuf },
    #[error("the font file {} cannot be read by FreeType: {reason}", path.display())]
    Unreadable { path: PathBuf, reason: String },
}

/// Checks that every served font is in `dir` and opens in FreeType (at start-up, so a missing
/// package is named before the first map asks for a glyph).
pub fn check(dir: &Path) -> Result<(), FontError> {
    let library = freetype::Library::init().map_err(|e| FontError::Unreadable {
        path: dir.to_owned(),
        reason: e.to_string(),
    })?;
    for (name, file) in FONTS {
        let path = dir.join(file);
        if !path.is_file() {
            return Err(FontError::Missing { name, path });
        }
        library
            .new_face(&path, 0)
            .map_err(|e| FontError::Unreadable {
                path: path.clone(),
                reason: e.to_string(),
            })?;
    }
    Ok(())
}

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(glyphs))
}

/// Parses `{start}-{end}.pbf`: a whole range of 256 code points within the BMP.
fn parse_range(file: &str) -> Result<u32, Problem> {
    let bad = || {
        Problem::not_found(format!(
            "no glyph range {file:?}: ranges are served as {{start}}-{{end}}.pbf, e.g. 0-255.pbf"
        ))
    };
    let (start, end) = file
        .strip_suffix(".pbf")
        .and_then(|r| r.split_once('-'))
        .ok_or_else(bad)?;
    let number = |s: &str| -> Result<u32, Problem> {
        if s.is_empty() || s.len() > 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        s.parse().map_err(|_| bad())
    };
    let (start, end) = (number(start)?, number(end)?);
    if start % RANGE != 0 || end != start + RANGE - 1 || end > 0xFFFF {
        return Err(bad());
    }
    Ok(start)
}

/// The files of a font stack (`DejaVu Sans Bold,DejaVu Sans Book`), each a served font.
fn parse_stack(stack: &str) -> Result<Vec<&'static str>, Problem> {
    stack
        .split(',')
        .map(|name| {
            let name = name.trim();
            FONTS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, file)| *file)
                .ok_or_else(|| {
                    let served: Vec<&str> = FONTS.iter().map(|(n, _)| *n).collect();
                    Problem::not_found(format!(
                        "no font {name:?}; served are {}",
                        served.join(", ")
                    ))
                })
        })
        .collect()
}

/// Renders one range of a stack: the glyphs of the first font that has each code point.
fn render(dir: &Path, files: &[&str], start: u32) -> Result<Vec<u8>, String> {
    let library = freetype::Library::init().map_err(|e| e.to_string())?;
    let mut ranges = Vec::with_capacity(files.len());
    for file in files {
        let path = dir.join(file);
        let face = library
            .new_face(&path, 0)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let stack = pbf_font_tools::glyph_range_for_face(
            &face,
            start,
            start + RANGE - 1,
            SIZE,
            RADIUS,
            CUTOFF,
        )
        .map_err(|e| format!("{}: {e}", path.display()))?;
        ranges.push(Glyphs {
            stacks: vec![stack],
        });
    }
    let glyphs = pbf_font_tools::combine_glyphs(ranges).unwrap_or_default();
    Ok(glyphs.encode_to_vec())
}

type Key = (Vec<&'static str>, u32);

fn cache() -> &'static Mutex<HashMap<Key, Bytes>> {
    static CACHE: OnceLock<Mutex<HashMap<Key, Bytes>>> = OnceLock::new();
    CACHE.get_or_init(Mutex::default)
}

/// SDF glyphs of 256 code points for the map's labels (MapLibre glyph range, protobuf).
#[utoipa::path(get, path = "/fonts/{fontstack}/{range}", tag = TILES,
    params(("fontstack" = String, Path,
            description = "One served font (DejaVu Sans Book, DejaVu Sans Bold), or several separated by commas (the first that has a glyph wins)."),
           ("range" = String, Path,
            description = "{start}-{end}.pbf: start a multiple of 256, end = start + 255, at most 65535.")),
    responses((status = 200, description = "The glyphs as protobuf.", content_type = "application/x-protobuf", body = Vec<u8>),
              NotFound, Unavailable))]
async fn glyphs(
    State(state): State<AppState>,
    UrlPath((stack, range)): UrlPath<(String, String)>,
) -> Result<Response, Problem> {
    let start = parse_range(&range)?;
    let files = parse_stack(&stack)?;
    let key = (files.clone(), start);
    let cached = cache().lock().ok().and_then(|c| c.get(&key).cloned());
    let body = match cached {
        Some(b) => b,
        None => {
            let dir = state.config().font_dir.clone();
            let rendered = tokio::task::spawn_blocking(move || render(&dir, &files, start))
                .await
                .map_err(|_| Problem::internal())?
                .map_err(|reason| {
                    tracing::error!(%reason, "rendering glyphs");
                    Problem::internal()
                })?;
            let b = Bytes::from(rendered);
            if let Ok(mut c) = cache().lock() {
                c.insert(key, b.clone());
            }
            b
        }
    };
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/x-protobuf"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static(CACHE_CONTROL),
            ),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn ranges_and_stacks_are_checked() {
        assert_eq!(parse_range("0-255.pbf").unwrap(), 0);
        assert_eq!(parse_range("8192-8447.pbf").unwrap(), 8192);
        for bad in [
            "0-256.pbf",
            "1-256.pbf",
            "0-255",
            "65536-65791.pbf",
            "-255.pbf",
            "a-b.pbf",
        ] {
            assert_eq!(parse_range(bad).unwrap_err().status, 404, "{bad}");
        }
        assert_eq!(
            parse_stack("DejaVu Sans Bold,DejaVu Sans Book").unwrap(),
            ["DejaVuSans-Bold.ttf", "DejaVuSans.ttf"]
        );
        let e = parse_stack("Open Sans Regular").unwrap_err();
        assert!(e.detail.contains("DejaVu Sans Book"), "{}", e.detail);
    }

    #[test]
    fn a_missing_font_folder_names_the_package() {
        let dir = tempfile::tempdir().unwrap();
        let e = check(dir.path()).unwrap_err().to_string();
        assert!(e.contains("fonts-dejavu-core"), "{e}");
        assert!(e.contains("DejaVuSans.ttf"), "{e}");
    }

    /// The German letters of the towns' names are in the first range and render.
    #[test]
    fn the_umlauts_render_from_the_installed_fonts() {
        let dir = Path::new(DEFAULT_FONT_DIR);
        check(dir).unwrap();
        let bytes = render(dir, &["DejaVuSans-Bold.ttf"], 0).unwrap();
        let glyphs = Glyphs::decode(bytes.as_slice()).unwrap();
        let stack = &glyphs.stacks[0];
        for c in "Sömmerda Buttstädt Kindelbrück Straußfurt".chars() {
            let g = stack.glyphs.iter().find(|g| g.id == c as u32);
            assert!(g.is_some_and(|g| g.advance > 0), "{c}");
        }
        let s = stack.glyphs.iter().find(|g| g.id == 'S' as u32).unwrap();
        assert!(s.bitmap.as_ref().is_some_and(|b| !b.is_empty()));
    }
}
