//! The `rolesite` command: parses arguments, dispatches to a verb, prints errors once.

use clap::{Parser, Subcommand};
mod cmd;

use cmd::{build, check, gen, init, release, serve, urls};

// Rendering allocates many small strings on every core, and the system allocator's own
// bookkeeping (malloc_consolidate, unlink_chunk) weighed heavily on a rebuild. mimalloc 2
// (the `v2` feature) rather than 3: version 3 returns freed memory to the system only after
// a delay, so a build's peak holds pages it has already written, for no gain in CPU.
// (Figures in docs/PERFORMANCE.md.)
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(name = "rolesite", version, about = "Role allocation tables (役割分担表) → a static, cross-linked site")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build the site into the output folder (out/ by default).
    Build(build::Args),
    /// Read the tables and print every finding as file:line: severity[code]: message.
    Check(check::Args),
    /// Create a new site that builds at once.
    Init(init::Args),
    /// Write a synthetic role table of any size (for benchmarks and trials).
    Gen(gen::Args),
    /// Build, then serve the site over HTTP (127.0.0.1 by default).
    Serve(serve::Args),
    /// Print every citable URL (urls.json), or check an older manifest against the data.
    Urls(urls::Args),
    /// Freeze the current data as a published revision (revisions/<label>/).
    Release(release::Args),
}

fn main() {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Build(args) => build::run(args),
        Command::Check(args) => check::run(args),
        Command::Init(args) => init::run(args),
        Command::Gen(args) => gen::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Urls(args) => urls::run(args),
        Command::Release(args) => release::run(args),
    };
    match result {
        Ok(code) => std::process::exit(code),
        // Our own errors already read `file:line: error[code]: …`.
        Err(e) if e.is::<rolesite::diag::Error>() => {
            eprintln!("{e}");
            std::process::exit(1);
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(1);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
