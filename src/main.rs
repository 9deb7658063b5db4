//! The `groundwork` binary: parses arguments, sets up logging and runs the CLI.

/// mimalloc, as in every Groundwork binary (`groundwork::allocator` says why)
#[global_allocator]
static ALLOC: groundwork::allocator::Allocator = groundwork::allocator::ALLOCATOR;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Whatever happens, the user sees one sentence, never a backtrace.
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        eprintln!(
            "error: internal error ({msg}); nothing acknowledged was lost — please report this"
        );
        std::process::exit(1);
    }));
    let cli = groundwork::cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GROUNDWORK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(groundwork::cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
