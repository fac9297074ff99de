//! The hashes builds are compared by: what a page or part was made from, and what a list
//! of fields holds.

/// A hash of fields, each length-prefixed so no two splits hash alike.
pub fn fields_key(fields: &[&[u8]]) -> u128 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for f in fields {
        h.update(&(f.len() as u64).to_le_bytes());
        h.update(f);
    }
    h.digest128()
}
