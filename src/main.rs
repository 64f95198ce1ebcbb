//! Herald server binary: parses the command line and hands over to start-up.
use clap::Parser;

use herald::config::{AdminCommand, ApiKeyCommand, Cli, Command};
use herald::startup;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    if !matches!(command, Command::Client(_)) {
        startup::init_tracing(&cli.config.log, &cli.config.log_format);
    }
    let result = match command {
        Command::Serve => startup::serve(cli.config).await,
        Command::ApiKey {
            command: ApiKeyCommand::Create { name, scope },
        } => startup::create_api_key(cli.config, &name, scope).await,
        Command::Admin {
            command: AdminCommand::SetPassword { password },
        } => startup::set_admin_password(cli.config, password).await,
        Command::Store { command } => herald::store_copy::run(command).await,
        Command::Client(client) => return herald::cli::run(client).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("herald: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
