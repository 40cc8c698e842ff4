//! The MapLibre style of the public map (`style.json`) filled with the one palette
//! (`palette.json`) and the classes of the layer table. The server serves it, the web map
//! draws it as served, the notebooks read the same palette file.

use serde_json::{json, Value};

use crate::layers;

/// The style as written, with its palette and class templates.
pub const STYLE_JSON: &str = include_str!("../style.json");
/// The palette: class → colour and legend texts, the other layers' colours, the choropleth.
pub const PALETTE_JSON: &str = include_str!("../palette.json");

/// Colour of a class the palette does not know (never drawn while the palette test passes).
const UNKNOWN_CLASS_COLOUR: &str = "#888";

/// Why the style does not build (a mistake in `style.json` or `palette.json`).
#[derive(Debug, thiserror::Error)]
pub enum StyleError {
    #[error("tiles/style.json or tiles/palette.json is not JSON")]
    Json(#[from] serde_json::Error),
    #[error("tiles/style.json names {0}, which neither the palette nor the layer table has")]
    Unknown(String),
}

/// The palette (`palette.json`).
pub fn palette() -> Result<Value, serde_json::Error> {
    serde_json::from_str(PALETTE_JSON)
}

/// The MapLibre style with its source pointing at `base`, its colours and classes filled in,
/// and the palette and the layers' classes in its metadata (for legends).
pub fn style(base: &str, bounds: [f64; 4]) -> Result<Value, StyleError> {
    let palette = palette()?;
    let mut style: Value = serde_json::from_str(STYLE_JSON)?;
    if let Some(layers) = style.get_mut("layers") {
        fill(layers, &palette)?;
    }
    if let Some(source) = style.pointer_mut("/sources/leerstand") {
        source["tiles"] = json!([format!("{base}/tiles/public/{{z}}/{{x}}/{{y}}.mvt")]);
        source["bounds"] = json!(bounds);
        source["maxzoom"] = json!(crate::DATA_MAX_ZOOM);
    }
    style["glyphs"] = json!(format!("{base}/fonts/{{fontstack}}/{{range}}.pbf"));
    let classes: serde_json::Map<String, Value> = layers::PUBLIC_LAYERS
        .iter()
        .filter(|l| !l.classes.is_empty())
        .filter_map(|l| Some((l.tile_layer?.to_owned(), json!(l.class_names()))))
        .collect();
    style["metadata"]["leerstand:palette"] = palette;
    style["metadata"]["leerstand:classes"] = Value::Object(classes);
    Ok(style)
}

/// The classes of tile layer `layer`.
fn classes_of(layer: &str) -> Result<Vec<&'static str>, StyleError> {
    layers::tile_layer(layer)
        .filter(|l| !l.classes.is_empty())
        .map(|l| l.class_names())
        .ok_or_else(|| StyleError::Unknown(format!("the classes of layer {layer:?}")))
}

/// The colour called `name`: a class's, another layer's, or one of the choropleth's.
fn colour<'p>(palette: &'p Value, name: &str) -> Result<&'p Value, StyleError> {
    [
        format!("/classes/{name}/colour"),
        format!("/layers/{name}"),
        format!("/vacancy_rate/{name}"),
    ]
    .iter()
    .find_map(|pointer| palette.pointer(pointer).filter(|v| v.is_string()))
    .ok_or_else(|| StyleError::Unknown(format!("the colour {name:?}")))
}

/// Replaces the templates in `value` (see the note in `style.json`'s metadata).
fn fill(value: &mut Value, palette: &Value) -> Result<(), StyleError> {
    match value {
        Value::String(s) => {
            if let Some(name) = s.strip_prefix("@colour:") {
                *value = colour(palette, name)?.clone();
            }
        }
        Value::Array(items) => {
            let template = items.first().and_then(Value::as_str).map(str::to_owned);
            let argument = items.get(1).and_then(Value::as_str).unwrap_or("");
            match template.as_deref() {
                Some("@classes") => *value = json!(["literal", classes_of(argument)?]),
                Some("@class-colour") => {
                    let mut expression = vec![json!("match"), json!(["get", "class"])];
                    for class in classes_of(argument)? {
                        expression.push(json!(class));
                        expression.push(colour(palette, class)?.clone());
                    }
                    expression.push(json!(UNKNOWN_CLASS_COLOUR));
                    *value = Value::Array(expression);
                }
                Some("@vacancy-rate") => {
                    let rate = json!(["to-number", ["coalesce", ["get", "vacancy_rate"], 0]]);
                    let steps = palette
                        .pointer("/vacancy_rate/steps")
                        .and_then(Value::as_array)
                        .filter(|s| !s.is_empty())
                        .ok_or_else(|| StyleError::Unknown("the vacancy rate steps".into()))?;
                    let mut expression = vec![json!("step"), rate];
                    for (i, step) in steps.iter().enumerate() {
                        if i > 0 {
                            expression.push(step[0].clone());
                        }
                        expression.push(step[1].clone());
                    }
                    *value = Value::Array(expression);
                }
                _ => {
                    for item in items {
                        fill(item, palette)?;
                    }
                }
            }
        }
        Value::Object(map) => {
            for item in map.values_mut() {
                fill(item, palette)?;
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use model::VacancyClass;

    #[test]
    fn every_class_has_a_colour_and_legend_texts() {
        let palette = palette().unwrap();
        let classes = palette["classes"].as_object().unwrap();
        for class in VacancyClass::ALL {
            let entry = &palette["classes"][class.as_str()];
            for key in ["colour", "de", "en"] {
                assert!(
                    entry[key].as_str().is_some_and(|s| !s.is_empty()),
                    "tiles/palette.json: class {class} has no {key}"
                );
            }
            let colour = entry["colour"].as_str().unwrap();
            assert!(
                colour.len() == 7 && colour.starts_with('#'),
                "{class}: {colour}"
            );
        }
        for name in classes.keys() {
            assert!(
                name.parse::<VacancyClass>().is_ok(),
                "tiles/palette.json names {name:?}, which is no class"
            );
        }
    }

    /// The web map's other texts (popups, search, planner) name the classes through
    /// `web/js/i18n.js`; they say what the legend says.
    #[test]
    fn the_web_texts_of_the_classes_are_the_legend_texts() {
        let i18n =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../web/js/i18n.js"))
                .unwrap();
        let palette = palette().unwrap();
        for class in VacancyClass::ALL {
            for lang in ["de", "en"] {
                let text = palette["classes"][class.as_str()][lang].as_str().unwrap();
                let entry = format!("'class.{class}': '{text}',");
                assert!(
                    i18n.contains(&entry),
                    "web/js/i18n.js lacks {entry} ({lang}, as in tiles/palette.json)"
                );
            }
        }
    }

    #[test]
    fn the_style_has_no_template_left_and_colours_from_the_palette() {
        let s = style("https://karte.example", [10.0, 51.0, 11.0, 52.0]).unwrap();
        let text = serde_json::to_string(&s["layers"]).unwrap();
        assert!(!text.contains('@'), "{text}");
        let plots = s["layers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["id"] == "plots-fill")
            .unwrap();
        let colours = plots["paint"]["fill-color"].as_array().unwrap();
        let at = colours.iter().position(|v| v == "building_gap").unwrap();
        assert_eq!(
            colours[at + 1],
            palette().unwrap()["classes"]["building_gap"]["colour"]
        );
        assert_eq!(
            s["metadata"]["leerstand:classes"]["vacancy"],
            json!(["vacant", "partly_vacant"])
        );
    }
}
