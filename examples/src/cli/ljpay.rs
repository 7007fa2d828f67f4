//! How `ljpay` SDK errors map to the CLI exit codes (the variants every SDK crate shares map in `sdk_failure!`).

use ljpay_sdk::Error;

sdk_failure!(Error {
    // The payment centre answered: with an error code, or a page that is not LJPay's.
    Error::Api { .. } | Error::UnexpectedStatus { .. } => Exit::Api,
    Error::Replayed => Exit::Verification,
});
