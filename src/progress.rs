//! Progress of a long build: the stage and how far it got. The pipeline reports to a
//! `Progress`; the program decides whether anyone sees it (a bar on a terminal).

/// Where a build reports how far it got. Called from many threads at once.
pub trait Progress: Sync {
    /// A stage begins; `total` is how many steps it has, when known.
    fn stage(&self, name: &'static str, total: Option<u64>);
    /// One step of the stage is done.
    fn step(&self);
}
