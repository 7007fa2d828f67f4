//! How `ljpay` SDK errors map to the CLI exit codes.

use ljpay_sdk::Error;

use super::{Exit, Failure};

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let exit = match &e {
            Error::Config { .. } => Exit::Config,
            Error::Validation { .. } => Exit::Validation,
            // The payment centre answered: with an error code, a rate limit, a page that is not
            // LJPay's, or a record that conflicts with the request.
            Error::Api { .. }
            | Error::RateLimited { .. }
            | Error::UnexpectedStatus { .. }
            | Error::Conflict { .. } => Exit::Api,
            Error::OutcomeUnknown { .. } => Exit::OutcomeUnknown,
            Error::Signature(_) | Error::Replayed => Exit::Verification,
            Error::StoreUnavailable { .. } => Exit::StoreUnavailable,
            // Transport, timeouts, unreadable or oversized answers, and kinds added later.
            _ => Exit::Config,
        };
        Failure::new(exit, e)
    }
}
