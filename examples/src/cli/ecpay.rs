//! How `ecpay` SDK errors map to the CLI exit codes (the variants every SDK crate shares map in `sdk_failure!`).

use ecpay_sdk::Error;

sdk_failure!(Error {
    Error::Api { .. } | Error::ServerValidation { .. } => Exit::Api,
});

#[cfg(test)]
mod tests {
    use super::super::{Exit, Failure};
    use super::*;

    #[test]
    fn ecpays_own_errors_have_their_exit_codes() {
        let cases: Vec<(&str, Error, Exit)> = vec![
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
                "server validation",
                Error::ServerValidation {
                    status: 422,
                    issues: vec![],
                },
                Exit::Api,
            ),
            (
                "timeout",
                Error::Timeout {
                    operation: "QueryTradeInfo",
                    after: std::time::Duration::from_secs(5),
                },
                Exit::Config,
            ),
        ];
        for (name, e, exit) in cases {
            let f = Failure::from(e);
            assert_eq!(f.exit, exit, "case {name}: {f}");
            assert!(!f.to_string().contains("Some("), "case {name}: {f}");
        }
    }
}
