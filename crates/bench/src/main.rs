//! `authport-bench` (`just bench`): measures the `authport` binary named by `--authport-bin`;
//! the program is [`authport_bench::main`].

fn main() -> anyhow::Result<()> {
    authport_bench::main()
}
