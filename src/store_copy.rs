//! `herald store copy --from URL --to URL`: moves everything a store holds into a new,
//! empty one — typically the SQLite file into PostgreSQL before running several
//! instances (docs/scaling.md#moving). Secrets are copied sealed: start the target with
//! the same master key.
use clap::Subcommand;

use crate::startup::BoxError;

#[derive(Subcommand, Debug)]
pub enum StoreCommand {
    /// Copy webhooks (secrets stay sealed), API keys, the admin account, event types, events, deliveries and attempts into an empty store.
    Copy {
        /// The store to read, e.g. sqlite://herald.db.
        #[arg(long)]
        from: String,
        /// The empty store to fill, e.g. postgres://herald@db/herald (created and migrated when needed).
        #[arg(long)]
        to: String,
    },
}

pub async fn run(command: StoreCommand) -> Result<(), BoxError> {
    match command {
        StoreCommand::Copy { from, to } => {
            let copied = engine::store::copy::copy(&from, &to).await?;
            for (table, n) in &copied.tables {
                println!("{table:>16} {n}");
            }
            eprintln!("Copied. Start Herald on the new store with the same master key.");
            Ok(())
        }
    }
}
