//! A build's progress for a person watching a terminal: only `build` on an interactive
//! terminal shows it, so logs and pipes stay quiet.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rolesite::progress::Progress;

/// A bar on standard error, drawn only when it is a terminal.
pub struct Bar(ProgressBar);

impl Bar {
    /// `None` unless standard error is an interactive terminal.
    pub fn on_terminal() -> Option<Bar> {
        use std::io::IsTerminal;
        std::io::stderr().is_terminal().then(|| Bar(ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())))
    }
}

/// Cleared when dropped, so the closing line or an error stands alone.
impl Drop for Bar {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

impl Progress for Bar {
    fn stage(&self, name: &'static str, total: Option<u64>) {
        let style = match total {
            Some(_) => ProgressStyle::with_template("{prefix:>8} [{bar:30}] {pos}/{len} {elapsed}")
                .map(|s| s.progress_chars("=> ")),
            None => ProgressStyle::with_template("{prefix:>8} {spinner} {elapsed}"),
        };
        if let Ok(style) = style {
            self.0.set_style(style);
        }
        self.0.set_prefix(name);
        self.0.set_position(0);
        self.0.set_length(total.unwrap_or(0));
        // Drawn at once, so even a short stage shows.
        self.0.tick();
    }

    fn step(&self) {
        self.0.inc(1);
    }
}
