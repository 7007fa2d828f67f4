//! How `octopus` SDK errors map to the CLI exit codes.
//!
//! An API error names its code and message and, where the platform listed
//! them, each offending field, on the one stderr line.

use octopus_sdk::Error;

sdk_failure!(Error {
    Error::Api { .. } | Error::Pagination { .. } => Exit::Api,
} message: message);

/// The error's line, with each offending field an API error lists.
fn message(e: &Error) -> String {
    match e {
        Error::Api { details, .. } if !details.errors.is_empty() => {
            let fields: Vec<String> = details
                .errors
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect();
            format!("{e} ({})", fields.join("; "))
        }
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Exit, Failure};
    use super::*;
    use octopus_sdk::{ApiErrorCode, ApiErrorDetails, FieldError};

    #[test]
    fn octopus_own_errors_have_their_exit_codes_and_one_line() {
        let mut details = ApiErrorDetails::default();
        details.errors.push(FieldError {
            field: "amount".into(),
            message: "must be greater than 0".into(),
        });
        let cases: Vec<(&str, Error, Exit, &str)> = vec![
            (
                "api with field errors",
                Error::Api {
                    status: 422,
                    code: Some(ApiErrorCode::ValidationError),
                    message: "invalid".into(),
                    details: Box::new(details),
                },
                Exit::Api,
                "(amount: must be greater than 0)",
            ),
            (
                "pagination",
                Error::Pagination {
                    page: 3,
                    reason: "the server echoed page 2".into(),
                },
                Exit::Api,
                "page 3",
            ),
            (
                "not allowed",
                Error::NotAllowed {
                    operation: "payments.simulate",
                    reason: "production".into(),
                },
                Exit::Config,
                "not allowed",
            ),
        ];
        for (name, e, want, says) in cases {
            let f = Failure::from(e);
            assert_eq!(f.exit, want, "{name}");
            let line = f.to_string();
            assert!(line.contains(says), "{name}: {line}");
            assert!(
                !line.contains("Some(") && !line.contains('\n'),
                "{name}: {line}"
            );
        }
    }
}
