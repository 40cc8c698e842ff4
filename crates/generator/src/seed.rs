//! Seeds for the generator's random streams, shared by every step that draws.

/// Mixes the run seed with a purpose and indices, so every part has its own stream and
/// changing one part (or the noise) leaves the others as they were.
pub fn sub_seed(seed: u64, parts: &[u64]) -> u64 {
    // SplitMix64 finaliser over the parts.
    let mut h = seed ^ 0x9E37_79B9_7F4A_7C15;
    for &p in parts {
        h ^= p
            .wrapping_add(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(h << 6)
            .wrapping_add(h >> 2);
        h = (h ^ (h >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        h ^= h >> 31;
    }
    h
}
