//! The `authport` binary; everything it does is in the library ([`authport_server::main`]).

fn main() -> anyhow::Result<()> {
    authport_server::main()
}
