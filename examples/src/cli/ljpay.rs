//! How `ljpay` SDK errors map to the CLI exit codes.
