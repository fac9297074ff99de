//! The rebuilding process. `serve` builds in a child process of its own (`rolesite build
//! --watch --for-serve`), so nothing a theme or a table does to a build (a template that
//! recurses without end, an allocation too large for the machine) can stop the server: the
//! child may die, and the last good site is still served. The child reports each rebuild
//! on its stdout, one JSON line each (`watch::Report`); they go to every open page. When it
//! dies, open pages are told, and a new child is started that builds on the next change,
//! not at once, so a project whose every build kills the process does not kill it over and
//! over. The child ends with `serve`: killed on the way out, and by itself once its stdin,
//! which `serve` holds, closes (`serve` killed outright).

use super::Live;
use crate::cmd::watch::Report;
use rolesite::rebuild::Outcome;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

/// The lines of a dead child's stderr shown with its failure.
const LAST_LINES: usize = 20;

/// The running rebuilds, which [`Rebuilds::stop`] ends.
pub struct Rebuilds {
    shared: Arc<Shared>,
    /// Removed when `serve` stops.
    _baseline: Option<rolesite::write::Aside>,
}

/// What `serve` and the thread watching over the child share.
#[derive(Default)]
struct Shared {
    child: Mutex<Option<Child>>,
    stopping: AtomicBool,
}

/// How a child is started.
struct Spawn {
    exe: PathBuf,
    dir: PathBuf,
    output: Option<PathBuf>,
    /// The site as published before the session, for the children after the first: the
    /// first reads it from the output folder, which its builds then replace.
    baseline: Option<PathBuf>,
    /// `--clean`, passed on.
    clean: bool,
}

/// A started child's output: its reports, and the thread passing its stderr on.
struct Running {
    stdout: ChildStdout,
    stderr: JoinHandle<Vec<String>>,
}

impl Rebuilds {
    /// Start the rebuilding process and return once its first build is reported (or it
    /// died); from then on, keep one running. `None` when it could not start, having said
    /// why (the published site's `urls.json` unreadable, say): `serve` cannot either.
    pub fn start(
        dir: &Path,
        output: Option<&Path>,
        root: &Path,
        clean: bool,
        live: Live,
    ) -> anyhow::Result<Option<Rebuilds>> {
        // The files a build is held to (the URLs, and the data the changes page compares).
        let baseline = match rolesite::write::keep_aside(root, &rolesite::baseline::FILES) {
            Ok(kept) => Some(kept),
            Err(e) => {
                eprintln!("warning: {e}: after a crash, rebuilds hold to the last good build, not the published site");
                None
            }
        };
        let spawn = Spawn {
            exe: std::env::current_exe()?,
            dir: dir.to_path_buf(),
            output: output.map(Path::to_path_buf),
            baseline: baseline.as_ref().map(|b| b.path().to_path_buf()),
            clean,
        };
        let shared = Arc::new(Shared::default());
        // A new `Shared` is not stopping: there is a first child, or an error.
        let Some(first) = launch(&spawn, &shared, false)? else { anyhow::bail!("serve stopped while starting") };
        let (reported, first_report) = std::sync::mpsc::channel();
        let watcher = shared.clone();
        std::thread::spawn(move || supervise(&spawn, &watcher, &live, &reported, first));
        let rebuilds = Rebuilds { shared, _baseline: baseline };
        if first_report.recv() == Ok(false) {
            rebuilds.stop();
            return Ok(None);
        }
        Ok(Some(rebuilds))
    }

    /// Kill the child, keep any other from starting, and remove what was set aside.
    pub fn stop(self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        if let Some(child) = lock(&self.shared.child).as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn lock(child: &Mutex<Option<Child>>) -> MutexGuard<'_, Option<Child>> {
    child.lock().unwrap_or_else(|p| p.into_inner())
}

/// Start a child, unless `serve` is stopping. It is kept where [`Rebuilds::stop`] finds it,
/// under the lock `stop` takes, so no child starts after `stop` has looked.
fn launch(spawn: &Spawn, shared: &Shared, restart: bool) -> std::io::Result<Option<Running>> {
    let mut slot = lock(&shared.child);
    if shared.stopping.load(Ordering::SeqCst) {
        return Ok(None);
    }
    let mut child = spawn.command(restart).spawn()?;
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        let _ = child.kill();
        return Err(std::io::Error::other("the rebuilding process has no pipes"));
    };
    *slot = Some(child);
    Ok(Some(Running { stdout, stderr: std::thread::spawn(move || pass_on(stderr)) }))
}

impl Spawn {
    fn command(&self, restart: bool) -> Command {
        let mut command = Command::new(&self.exe);
        command.args(["build", "--watch", "--for-serve"]);
        if let Some(output) = &self.output {
            command.arg("--output").arg(output);
        }
        if self.clean {
            command.arg("--clean");
        }
        if restart {
            command.arg("--after-change");
            if let Some(baseline) = &self.baseline {
                command.arg("--previous").arg(baseline);
            }
        }
        // stdin is held open and never written: it closes when `serve` ends.
        command.arg("--").arg(&self.dir).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        // Ctrl-C at a terminal goes to its whole foreground group: the child is kept out of
        // it, so that `serve` ends it, rather than see it die and report a crash first.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        command
    }
}

/// Relay each child's reports until it ends; tell open pages it died; start another.
/// `reported` hears of every outcome (`start` waits for the first), and `false` if the first
/// child could not start.
fn supervise(spawn: &Spawn, shared: &Shared, live: &Live, reported: &Sender<bool>, mut running: Running) {
    let mut restart = false;
    let mut backoff = Duration::ZERO;
    loop {
        let (built, watched) = relay(running.stdout, live, reported, restart);
        // Taken out of the lock first: its stdout closed, so it is ending, and `stop`
        // must not wait for the lock meanwhile.
        let child = lock(&shared.child).take();
        let status = child.map(|mut c| c.wait());
        let last = running.stderr.join().unwrap_or_default();
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        // An error of its own (exit code 1), printed, before any build: not a crash.
        if !restart && !built && matches!(&status, Some(Ok(s)) if s.code() == Some(1)) {
            let _ = reported.send(false);
            return;
        }
        publish(live, reported, Outcome::Failed(crashed(status, &last)));
        // A child that died before it watched the project could not start, or died in
        // its first build: wait longer each time, up to a minute, rather than spin.
        backoff =
            if watched { Duration::ZERO } else { (backoff * 2).clamp(Duration::from_secs(1), Duration::from_secs(60)) };
        restart = true;
        running = loop {
            std::thread::sleep(backoff);
            match launch(spawn, shared, true) {
                Ok(Some(running)) => break running,
                Ok(None) => return,
                Err(e) => {
                    eprintln!("could not start the rebuilding process: {e}");
                    backoff = (backoff * 2).min(Duration::from_secs(60));
                }
            }
        };
    }
}

/// Pass the child's reports on until it ends: each outcome printed, as `build --watch`
/// prints it, and sent to open pages. Whether it reported a build, and whether it got as
/// far as watching the project.
fn relay(stdout: ChildStdout, live: &Live, reported: &Sender<bool>, restart: bool) -> (bool, bool) {
    let (mut built, mut watching) = (false, false);
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        match serde_json::from_str::<Report>(&line) {
            Ok(Report::Watching) => {
                watching = true;
                if restart {
                    eprintln!("watching for changes again: the next change rebuilds the site");
                }
            }
            Ok(report) => {
                built = true;
                report.outcome().into_iter().for_each(|o| publish(live, reported, o));
            }
            Err(_) => eprintln!("{line}"),
        }
    }
    (built, watching)
}

fn publish(live: &Live, reported: &Sender<bool>, outcome: Outcome) {
    eprintln!("{outcome}");
    live.publish(&outcome);
    let _ = reported.send(true);
}

/// Pass the child's stderr on as it comes (its warnings, a panic's message), keeping the
/// last lines to show should it die.
fn pass_on(stderr: ChildStderr) -> Vec<String> {
    let mut last = VecDeque::with_capacity(LAST_LINES);
    for line in BufReader::new(stderr).split(b'\n').map_while(Result::ok) {
        let line = String::from_utf8_lossy(&line).into_owned();
        eprintln!("{line}");
        if last.len() == LAST_LINES {
            last.pop_front();
        }
        last.push_back(line);
    }
    last.into()
}

/// What open pages are shown when the child dies: how it ended, and its last words.
fn crashed(status: Option<std::io::Result<ExitStatus>>, last: &[String]) -> String {
    let how = match status {
        Some(Ok(status)) => ended(status),
        Some(Err(e)) => e.to_string(),
        None => "不明".to_string(),
    };
    let mut text =
        format!("ビルド処理が異常終了しました（{how}）。次に変更を保存すると、新しいビルド処理がビルドします。");
    let last = last.join("\n");
    if !last.trim().is_empty() {
        text.push_str("\n\n");
        text.push_str(last.trim());
    }
    text
}

fn ended(status: ExitStatus) -> String {
    #[cfg(unix)]
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&status) {
        return format!("シグナル {signal}");
    }
    match status.code() {
        Some(code) => format!("終了コード {code}"),
        None => status.to_string(),
    }
}
