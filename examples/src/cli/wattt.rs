//! How `wattt` SDK errors map to the CLI exit codes.
