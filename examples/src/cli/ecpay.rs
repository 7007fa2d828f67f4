//! How `ecpay` SDK errors map to the CLI exit codes.

use ecpay_sdk::Error;

use super::{Exit, Failure};

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let exit = match &e {
            Error::Config { .. } | Error::Transport { .. } | Error::Timeout { .. } => Exit::Config,
            Error::Validation { .. } => Exit::Validation,
            Error::Api { .. }
            | Error::ServerValidation { .. }
            | Error::RateLimited { .. }
            | Error::Conflict { .. } => Exit::Api,
            // A callback or answer that failed verification or could not be read: never acted on.
            Error::Signature(_) | Error::Decode { .. } => Exit::Verification,
            Error::OutcomeUnknown { .. } => Exit::OutcomeUnknown,
            Error::StoreUnavailable { .. } => Exit::StoreUnavailable,
            _ => Exit::Config,
        };
        Failure::new(exit, e)
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
                    field: "HashKey",
                    reason: "must not be empty".into(),
                },
                Exit::Config,
            ),
            (
                "validation",
                Error::Validation {
                    field: "TotalAmount".into(),
                    reason: "must be positive".into(),
                },
                Exit::Validation,
            ),
            (
                "api",
                Error::Api {
                    status: 200,
                    code: ecpay_sdk::ErrorCode::Rtn(10200047),
                    message: "x".into(),
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
                    reason: "`Gwsr` is missing".into(),
                    body_snippet: String::new(),
                },
                Exit::Verification,
            ),
            (
                "outcome unknown",
                Error::OutcomeUnknown {
                    operation: "DoAction",
                    reference: "T1".into(),
                    reason: "HTTP 502".into(),
                },
                Exit::OutcomeUnknown,
            ),
            (
                "store",
                Error::StoreUnavailable {
                    reason: "refused".into(),
                },
                Exit::StoreUnavailable,
            ),
        ];
        for (name, e, exit) in cases {
            let f = Failure::from(e);
            assert_eq!(f.exit, exit, "case {name}: {f}");
            assert!(!f.to_string().contains("Some("), "case {name}: {f}");
        }
    }
}
