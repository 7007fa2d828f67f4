//! The crate docs' table of ECPay's official AIO SDK operations has no gap: every operation of
//! `fixtures/official_sdk_operations.txt` (taken from the official SDKs' sources) has a row,
//! every row names a method, a CLI subcommand that the `ecpay` binary documents, and a test
//! that exists.

fn table_rows(lib: &str) -> Vec<Vec<String>> {
    lib.lines()
        .skip_while(|l| !l.starts_with("//! ## Every operation of ECPay's official AIO SDKs"))
        .skip(1)
        .take_while(|l| !l.starts_with("//! ## "))
        .filter_map(|l| l.strip_prefix("//! | "))
        .filter(|l| !l.starts_with("official SDK operation") && !l.starts_with("---"))
        .map(|l| {
            l.trim_end_matches(" |")
                .split(" | ")
                .map(str::to_owned)
                .collect()
        })
        .collect()
}

#[test]
fn every_official_operation_has_a_row_with_a_method_a_cli_and_a_test() {
    let root = env!("CARGO_MANIFEST_DIR");
    let lib = std::fs::read_to_string(format!("{root}/src/lib.rs")).expect("lib.rs");
    let cli = std::fs::read_to_string(format!("{root}/../examples/src/bin/ecpay.rs"))
        .expect("the ecpay CLI");
    let rows = table_rows(&lib);
    assert!(rows.len() >= 12, "the table: {rows:?}");
    let ops = include_str!("fixtures/official_sdk_operations.txt");
    for op in ops
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        assert!(
            rows.iter().any(|r| r[0].contains(&format!("`{op}`"))),
            "no row for the official operation {op}"
        );
    }
    for r in &rows {
        assert_eq!(r.len(), 5, "row {r:?}");
        let (name, method, sub, test) = (&r[0], &r[2], &r[3], &r[4]);
        assert!(method.starts_with("[`"), "row {name}: no method");
        if !sub.starts_with('—') {
            let sub = sub.trim_matches('`');
            let first = sub.split_whitespace().next().unwrap_or_default();
            let documented = cli
                .lines()
                .any(|l| l.starts_with("//!") && l.contains(&format!("ecpay {first} ")));
            assert!(
                documented,
                "row {name}: `ecpay {first}` is not documented by the CLI"
            );
        }
        let test = test.trim_matches('`');
        let (file, func) = test
            .split_once("::")
            .unwrap_or_else(|| panic!("row {name}: test {test}"));
        let text = std::fs::read_to_string(format!("{root}/{file}"))
            .unwrap_or_else(|e| panic!("row {name}: {file}: {e}"));
        assert!(
            text.contains(&format!("fn {func}(")),
            "row {name}: no test {func} in {file}"
        );
    }
}
