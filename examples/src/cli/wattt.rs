//! How `wattt` SDK errors map to the CLI exit codes (the variants every SDK crate shares map in `sdk_failure!`).

use wattt_sdk::Error;

sdk_failure!(Error {
    Error::Api { .. } => Exit::Api,
});
