//! How `ecpay` SDK errors map to the CLI exit codes.
