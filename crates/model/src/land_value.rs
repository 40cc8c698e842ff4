//! Land values (Bodenrichtwerte) as BORIS-D / VBORIS 2 publish them: the German names of the
//! codes of `NUTA` (Art der Nutzung) and `ENTW` (Entwicklungszustand), and the indicative
//! land price of a plot. The codes are stored as published; these names are shown.

/// The German name of a `NUTA` code (Art der Nutzung), `None` for an unknown code.
pub fn use_name(code: &str) -> Option<&'static str> {
    Some(match code {
        "W" => "Wohnbaufläche",
        "WS" => "Kleinsiedlungsgebiet",
        "WR" => "reines Wohngebiet",
        "WA" => "allgemeines Wohngebiet",
        "WB" => "besonderes Wohngebiet",
        "M" => "gemischte Baufläche",
        "MD" => "Dorfgebiet",
        "MDW" => "dörfliches Wohngebiet",
        "MI" => "Mischgebiet",
        "MU" => "urbanes Gebiet",
        "MK" => "Kerngebiet",
        "G" => "gewerbliche Baufläche",
        "GE" => "Gewerbegebiet",
        "GI" => "Industriegebiet",
        "S" => "Sonderbaufläche",
        "SE" => "Sondergebiet für Erholung",
        "SO" => "sonstiges Sondergebiet",
        "GB" => "Fläche für den Gemeinbedarf",
        "LW" => "landwirtschaftliche Fläche",
        "A" => "Acker",
        "GR" => "Grünland",
        "F" => "forstwirtschaftliche Fläche",
        _ => return None,
    })
}

/// The German name of an `ENTW` code (Entwicklungszustand), `None` for an unknown code.
pub fn development_name(code: &str) -> Option<&'static str> {
    Some(match code {
        "B" => "baureifes Land",
        "R" => "Rohbauland",
        "E" => "Bauerwartungsland",
        "LF" => "Fläche der Land- oder Forstwirtschaft",
        "SF" => "sonstige Fläche",
        _ => return None,
    })
}

/// The indicative land price of a plot: area × land value, rounded to a thousand euros
/// (a rough figure, no valuation). `None` without a positive area and value.
pub fn indicative_price_eur(area_m2: f64, value_eur_m2: f64) -> Option<f64> {
    (area_m2 > 0.0 && value_eur_m2 > 0.0 && (area_m2 * value_eur_m2).is_finite())
        .then(|| ((area_m2 * value_eur_m2) / 1000.0).round() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_price_is_area_times_value_in_thousands() {
        assert_eq!(indicative_price_eur(894.0, 85.0), Some(76_000.0));
        assert_eq!(indicative_price_eur(0.0, 85.0), None);
        assert_eq!(use_name("MD"), Some("Dorfgebiet"));
        assert_eq!(use_name("XX"), None);
    }
}
