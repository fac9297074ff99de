//! Progress on long builds: shown on an interactive terminal (here a pseudo-terminal from
//! `script`), never in pipes or logs, never with `--quiet`; the closing line states the
//! files written and the time taken.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const BIN: &str = env!("CARGO_BIN_EXE_rolesite");

/// A generated table large enough that a build has stages worth watching.
fn project() -> &'static Path {
    static PROJECT: OnceLock<PathBuf> = OnceLock::new();
    PROJECT.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("progress-project");
        if dir.exists() {
            std::fs::remove_dir_all(&dir).unwrap();
        }
        let gen = Command::new(BIN).args(["gen", dir.to_str().unwrap(), "--items", "1500"]).output().unwrap();
        assert!(gen.status.success(), "{}", String::from_utf8_lossy(&gen.stderr));
        dir
    })
}

fn out(name: &str) -> String {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name).to_string_lossy().into_owned()
}

/// What a terminal shows for `rolesite args…`, run under `script`'s pseudo-terminal.
fn on_terminal(args: &[&str]) -> String {
    let command = std::iter::once(BIN).chain(args.iter().copied()).collect::<Vec<_>>().join(" ");
    let run = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .output()
        .expect("`script` (util-linux) runs a command on a pseudo-terminal");
    assert!(run.status.success(), "{command}: {}", String::from_utf8_lossy(&run.stdout));
    String::from_utf8_lossy(&run.stdout).into_owned()
}

fn closing_line(text: &str) -> &str {
    text.trim_end().rsplit(['\n', '\r']).next().unwrap().trim_start_matches("\u{1b}[2K")
}

#[test]
fn a_terminal_sees_each_stage_and_its_count() {
    let shown = on_terminal(&["build", project().to_str().unwrap(), "-o", &out("progress-tty")]);
    let files = std::fs::read_to_string(format!("{}/urls.json", out("progress-tty"))).is_ok();
    assert!(files, "the site was written");
    for stage in ["読み込み", "描画", "書き込み"] {
        assert!(shown.contains(stage), "no {stage} in:\n{shown}");
    }
    let last = closing_line(&shown);
    assert!(last.starts_with("built ") && last.contains(" files ") && last.contains(" ms"), "{last:?}");
    // The writing bar counts to the number of files the closing line states.
    let files: usize = last["built ".len()..].split(' ').next().unwrap().parse().unwrap();
    assert!(files > 1500, "{last}");
    assert!(shown.contains(&format!("/{files}")), "no count to {files} in:\n{shown}");
}

#[test]
fn pipes_and_quiet_runs_stay_quiet() {
    let piped =
        Command::new(BIN).args(["build", project().to_str().unwrap(), "-o", &out("progress-pipe")]).output().unwrap();
    assert!(piped.status.success());
    let stderr = String::from_utf8_lossy(&piped.stderr);
    assert_eq!(stderr.lines().count(), 1, "one closing line, no progress: {stderr:?}");
    assert!(stderr.starts_with("built ") && !stderr.contains("描画"), "{stderr:?}");
    let quiet = on_terminal(&["build", "-q", project().to_str().unwrap(), "-o", &out("progress-quiet")]);
    assert_eq!(quiet.trim(), "", "--quiet on a terminal printed: {quiet:?}");
}

#[test]
fn verbose_adds_each_stage_time_before_the_closing_line() {
    let run = Command::new(BIN)
        .args(["build", "-v", project().to_str().unwrap(), "-o", &out("progress-verbose")])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(lines.len() >= 4, "{stderr}");
    // Each stage's time and, where the system tells it, the peak memory so far: a high
    // water mark, so it never falls from one stage to the next.
    let mut peaks = Vec::new();
    for line in &lines[..lines.len() - 1] {
        let (_, told) = line.split_once(':').unwrap_or_else(|| panic!("not a stage time: {line:?}"));
        let (time, peak) = told.split_once(", peak ").map_or((told, None), |(t, p)| (t, Some(p)));
        assert!(time.trim_end().ends_with(" ms"), "not a stage time: {line:?}");
        time.trim().trim_end_matches(" ms").parse::<f64>().unwrap_or_else(|_| panic!("not a time: {line:?}"));
        if let Some(peak) = peak {
            peaks.push(peak.trim().strip_suffix(" MiB").and_then(|p| p.trim().parse::<u64>().ok()).expect(line));
        }
    }
    if cfg!(target_os = "linux") {
        assert_eq!(peaks.len(), lines.len() - 1, "every stage tells the peak memory: {stderr}");
        assert!(peaks.windows(2).all(|w| w[0] <= w[1]) && peaks[0] > 0, "{stderr}");
    }
    assert!(lines.last().unwrap().starts_with("built "), "{stderr}");
}
