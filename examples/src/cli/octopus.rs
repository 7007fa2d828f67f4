//! How `octopus` SDK errors map to the CLI exit codes.
//!
//! An API error names its code and message and, where the platform listed
//! them, each offending field, on the one stderr line.

use octopus_sdk::Error;

use super::{Exit, Failure};

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let exit = match &e {
            Error::Validation { .. } => Exit::Validation,
            Error::Api { .. }
            | Error::RateLimited { .. }
            | Error::Conflict { .. }
            | Error::Pagination { .. } => Exit::Api,
            // A webhook or answer that failed verification or could not be read: never acted on.
            Error::Signature(_) | Error::Decode { .. } => Exit::Verification,
            Error::OutcomeUnknown { .. } => Exit::OutcomeUnknown,
            Error::StoreUnavailable { .. } => Exit::StoreUnavailable,
            _ => Exit::Config,
        };
        let message = match &e {
            Error::Api { details, .. } if !details.errors.is_empty() => {
                let fields: Vec<String> = details
                    .errors
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.message))
                    .collect();
                format!("{e} ({})", fields.join("; "))
            }
            _ => e.to_string(),
        };
        Failure::new(exit, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_error_has_its_exit_code() {
        let cases: Vec<(&str, Error, Exit)> = vec![
            (
                "config",
                Error::Config {
                    field: "api_key",
                    reason: "must not be empty".into(),
                },
                Exit::Config,
            ),
            (
                "validation",
                Error::Validation {
                    field: "amount".into(),
                    reason: "must be greater than 0".into(),
                },
                Exit::Validation,
            ),
            (
                "rate limited",
                Error::RateLimited {
                    retry_after: Some(std::time::Duration::from_secs(30)),
                    status: 429,
                    message: "slow down".into(),
                },
                Exit::Api,
            ),
            (
                "conflict",
                Error::Conflict {
                    operation: "payments.create",
                    reference: "o1".into(),
                    reason: "another amount".into(),
                },
                Exit::Api,
            ),
            (
                "signature",
                Error::Signature(sign_core::VerifyError::Mismatch),
                Exit::Verification,
            ),
            (
                "decode",
                Error::Decode {
                    reason: "not an event".into(),
                    body_snippet: String::new(),
                },
                Exit::Verification,
            ),
            (
                "outcome unknown",
                Error::OutcomeUnknown {
                    operation: "payments.create",
                    reference: "o1".into(),
                    reason: "timed out".into(),
                },
                Exit::OutcomeUnknown,
            ),
            (
                "store unavailable",
                Error::StoreUnavailable {
                    reason: "connection refused".into(),
                },
                Exit::StoreUnavailable,
            ),
        ];
        for (name, e, want) in cases {
            let f = Failure::from(e);
            assert_eq!(f.exit, want, "{name}");
            let line = f.to_string();
            assert!(
                !line.contains("Some(") && !line.contains('\n'),
                "{name}: {line}"
            );
        }
    }
}
