//! `cargo bench -p authport-server --bench load` (after the criterion benches: `just bench`):
//! drives this package's release `authport` binary (cargo builds it for this bench), prints
//! the table of figures and writes it into the report given with `--report`.

use authport_bench::{Args, from_repo_root, report, scenarios};
use clap::Parser as _;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = Args::parse();
    if !args.cargo_bench {
        // `cargo test --all-targets` runs bench executables without `--bench`: the build is
        // what it checks here; measuring takes minutes and needs a release build.
        println!("load bench: built; run it with `just bench` (cargo bench passes --bench)");
        return Ok(());
    }
    args.authport_bin.get_or_insert_with(|| env!("CARGO_BIN_EXE_authport").into());
    let figures = scenarios::run_all(&args).await?;
    let table = report::render(&args, &figures);
    println!("\n{table}");
    if let Some(path) = &args.report {
        let path = from_repo_root(path);
        report::write_into(&path, &table)?;
        println!("results written into {}", path.display());
    }
    Ok(())
}
