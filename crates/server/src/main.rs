use clap::Parser as _;

use authport_server::config::Cli;
use authport_server::{run, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    telemetry::init(cli.config.log_format);
    run(cli).await
}
