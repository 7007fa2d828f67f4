//! How `wattt` SDK errors map to the CLI exit codes.

use wattt_sdk::Error;

use super::{Exit, Failure};

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let exit = match &e {
            Error::Config { .. } => Exit::Config,
            Error::Validation { .. } => Exit::Validation,
            // Wattt answered: a refusal, a rate limit, or a record that conflicts with the call.
            Error::Api { .. } | Error::RateLimited { .. } | Error::Conflict { .. } => Exit::Api,
            Error::OutcomeUnknown { .. } => Exit::OutcomeUnknown,
            Error::Signature(_) => Exit::Verification,
            Error::StoreUnavailable { .. } => Exit::StoreUnavailable,
            // Transport, timeouts, unreadable or oversized answers, and kinds added later.
            _ => Exit::Config,
        };
        Failure::new(exit, e)
    }
}
