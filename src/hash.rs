//! The one hash the program keys what it remembers with (xxh3): render and search keys,
//! the theme's fingerprint, the places links lead to. Never written into the site, so it
//! may change from one version to the next.

/// Hashing fed in parts, for what is read in pieces.
pub use xxhash_rust::xxh3::Xxh3 as Stream;

/// A 128-bit hash of bytes: a key two different inputs do not share.
pub fn bytes(bytes: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128(bytes)
}

/// A 128-bit hash of fields, each length-prefixed so no two splits hash alike.
pub fn fields_key(fields: &[&[u8]]) -> u128 {
    let mut h = Stream::new();
    for f in fields {
        h.update(&(f.len() as u64).to_le_bytes());
        h.update(f);
    }
    h.digest128()
}

/// A 64-bit hash of bytes, for the many small keys of a set.
pub fn short(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

/// [`short`] seeded with another such hash: the hash of a part of what `seed` names.
pub fn short_seeded(bytes: &[u8], seed: u64) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(bytes, seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_told_apart_by_where_they_split() {
        assert_ne!(fields_key(&[b"ab", b"c"]), fields_key(&[b"a", b"bc"]));
        assert_ne!(fields_key(&[b"", b"a"]), fields_key(&[b"a"]));
        assert_eq!(fields_key(&[b"ab", b"c"]), fields_key(&[b"ab", b"c"]));
    }
}
