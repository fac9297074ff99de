//! Headless Chromium for the browser tests: finding it (with a Japanese font), file://
//! URLs, and one run with a fresh profile, killed when it hangs.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

/// Flags for every run; each run also gets a fresh `--user-data-dir`.
pub const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// Finds Chromium and checks that a Japanese font is installed; panics with a message
/// telling how to install them when not.
pub fn exe() -> &'static Path {
    static CHROMIUM: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let found = CHROMIUM.get_or_init(|| {
        let exe = find().ok_or_else(|| {
            "Chromium not found: these browser tests need it. Run `.ci/test`, which installs \
             it, or `apt-get install chromium fonts-noto-cjk` (or set ROLESITE_CHROMIUM to a \
             Chromium binary)."
                .to_string()
        })?;
        check_japanese_font()?;
        Ok(exe)
    });
    match found {
        Ok(exe) => exe,
        Err(message) => panic!("{message}"),
    }
}

fn find() -> Option<PathBuf> {
    if let Some(exe) = std::env::var_os("ROLESITE_CHROMIUM") {
        return Some(PathBuf::from(exe));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    ["chromium", "chromium-browser"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|exe| exe.is_file())
}

/// Without a Japanese font every kanji renders as the same box ("tofu").
fn check_japanese_font() -> Result<(), String> {
    let missing = "No Japanese font installed: the screenshots would show boxes instead of \
                   kanji. Run `.ci/test`, or `apt-get install fonts-noto-cjk`.";
    let found = match Command::new("fc-list").args([":lang=ja", "family"]).output() {
        Ok(out) if out.status.success() => !String::from_utf8_lossy(&out.stdout).trim().is_empty(),
        // No fontconfig tools: look for the Noto CJK files themselves.
        _ => std::fs::read_dir("/usr/share/fonts/opentype/noto")
            .map(|entries| entries.flatten().any(|e| e.file_name().to_string_lossy().contains("CJK")))
            .unwrap_or(false),
    };
    if found {
        Ok(())
    } else {
        Err(missing.to_string())
    }
}

/// A file:// URL for a path.
pub fn file_url(path: &Path) -> String {
    let path = path.canonicalize().unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut url = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            url.push(b as char);
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

/// What one run printed, and how it ended (`None`: killed after the timeout).
pub struct Run {
    pub status: Option<ExitStatus>,
    pub stdout: String,
    pub stderr: String,
}

/// Run Chromium once on `url` with [`FLAGS`], `args` and a fresh profile.
pub fn run(args: &[String], url: &str, timeout: Duration) -> Run {
    let exe = exe();
    let profile = tempfile::tempdir().expect("profile folder");
    let mut child = Command::new(exe)
        .args(FLAGS)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", exe.display()));
    let drain = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut s = Vec::new();
            let _ = pipe.read_to_end(&mut s);
            String::from_utf8_lossy(&s).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for chromium") {
            break Some(status);
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(20));
    };
    Run { status, stdout: out.join().unwrap(), stderr: err.join().unwrap() }
}

/// A Chromium kept running and driven over the DevTools protocol, for what a single run
/// cannot show: a page that changes while it is open (live reload, typing into search).
pub struct Driven {
    pub browser: headless_chrome::Browser,
    _profile: tempfile::TempDir,
}

pub fn driven() -> Driven {
    driven_with(&[])
}

/// [`driven`], with `extra` flags (`--allow-file-access-from-files`, for a harness page
/// that measures pages in its frames).
pub fn driven_with(extra: &[&str]) -> Driven {
    use std::ffi::OsStr;
    let profile = tempfile::tempdir().expect("profile folder");
    // What FLAGS asks for and the driver does not already pass.
    let mut args: Vec<&OsStr> =
        ["--disable-gpu", "--disable-component-update", "--disable-quic"].map(OsStr::new).into();
    args.extend(extra.iter().map(OsStr::new));
    let options = headless_chrome::LaunchOptions {
        path: Some(exe().to_path_buf()),
        headless: true,
        sandbox: false,
        user_data_dir: Some(profile.path().to_path_buf()),
        args,
        idle_browser_timeout: Duration::from_secs(120),
        ..Default::default()
    };
    let browser = headless_chrome::Browser::new(options).unwrap_or_else(|e| panic!("starting Chromium: {e:#}"));
    Driven { browser, _profile: profile }
}

/// Evaluate `expression` in `tab` until it yields `true`, for up to 15 s.
pub fn wait_until(tab: &headless_chrome::Tab, what: &str, expression: &str) {
    let start = Instant::now();
    loop {
        let value = tab.evaluate(expression, false).ok().and_then(|r| r.value);
        if value == Some(serde_json::Value::Bool(true)) {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(15), "timed out waiting for {what} ({expression})");
        thread::sleep(Duration::from_millis(50));
    }
}
