//! How `octopus` SDK errors map to the CLI exit codes.
