//! Vacancy forecast from the residents' age bands.
//!
//! Method: every resident leaves the household for good (death, move to care or away) with a
//! yearly probability that depends on the age band, independently of the others. An address
//! becomes empty when all its residents have left; of the dwellings emptied that way, a share
//! is not taken over by anyone. The expected number of new vacancies within `t` years is the
//! sum over occupied addresses of P(all leave within t) × that share.
//!
//! Assumptions: no ageing from one band into the next within the horizon, no births or
//! move-ins into occupied dwellings, rates constant over time and equal across districts.
//! This is a planning aid that ranks districts, not a prediction of single houses.

use crate::config::ForecastParams;

/// Probability that every one of the residents (counted by age band) has left within
/// `years`.
pub fn p_all_leave(bands: [u32; 4], years: f64, params: &ForecastParams) -> f64 {
    if bands.iter().all(|&n| n == 0) {
        return 0.0;
    }
    bands
        .iter()
        .zip(params.leave_rate)
        .map(|(&n, rate)| {
            let gone = 1.0 - (1.0 - rate.clamp(0.0, 1.0)).powf(years);
            gone.powi(i32::try_from(n).unwrap_or(i32::MAX))
        })
        .product()
}

/// Expected new vacancies within `years` for an address with these residents.
pub fn expected_vacancies(bands: [u32; 4], years: f64, params: &ForecastParams) -> f64 {
    p_all_leave(bands, years, params) * params.not_reoccupied
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn older_households_empty_sooner() {
        let p = ForecastParams::default();
        let old = expected_vacancies([0, 0, 0, 1], 10.0, &p);
        let young = expected_vacancies([0, 2, 0, 0], 10.0, &p);
        assert!(old > 0.3 && old < 0.5, "{old}");
        assert!(young < 0.01 && young < old / 10.0, "{young}");
        assert!(expected_vacancies([0, 0, 0, 1], 5.0, &p) < old);
        assert_eq!(expected_vacancies([0, 0, 0, 0], 10.0, &p), 0.0);
        // Two old residents: both must leave.
        assert!(expected_vacancies([0, 0, 0, 2], 10.0, &p) < old);
    }
}
