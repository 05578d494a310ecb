//! `cargo bench -p authport-server --bench load` (after the criterion benches: `just bench`):
//! drives this package's release `authport` binary (cargo builds it for this bench), prints
//! the table of figures and writes it into the report given with `--report`. The program is
//! [`authport_bench::main`].

fn main() -> anyhow::Result<()> {
    authport_bench::main(env!("CARGO_BIN_EXE_authport").as_ref())
}
