//! What `OrderStatus` accepts, as one table of wire inputs.
//!
//! Where the expected values come from: the spec copy (`spec/wattt-merchant.openapi.json`)
//! gives no list of status values (`BasicResponse.data` is a free-form object and no schema
//! names `status` values), so the values are open. The crate decides how they are read, in
//! `OrderStatus`'s docs and the crate docs ("status values are read leniently ... unknown
//! ones kept"): the listed words, ASCII case-insensitive, surrounding whitespace ignored, map
//! to their variant; anything else, a number included, is kept as sent in `Other`. The rows
//! below are written from that rule by hand, not printed by the code.

use wattt_sdk::OrderStatus;
use OrderStatus::*;

/// `(JSON text of the value, expected status)`.
fn rows() -> Vec<(&'static str, OrderStatus)> {
    let other = |s: &str| Other(s.to_owned());
    vec![
        // Every listed word, as documented.
        (r#""pending""#, Pending),
        (r#""waiting""#, Pending),
        (r#""created""#, Pending),
        (r#""unpaid""#, Pending),
        (r#""processing""#, Processing),
        (r#""in_progress""#, Processing),
        (r#""success""#, Success),
        (r#""succeeded""#, Success),
        (r#""paid""#, Success),
        (r#""completed""#, Success),
        (r#""done""#, Success),
        (r#""failed""#, Failed),
        (r#""fail""#, Failed),
        (r#""failure""#, Failed),
        (r#""rejected""#, Failed),
        (r#""error""#, Failed),
        (r#""cancelled""#, Cancelled),
        (r#""canceled""#, Cancelled),
        (r#""expired""#, Cancelled),
        (r#""closed""#, Cancelled),
        (r#""reversed""#, Reversed),
        (r#""refunded""#, Reversed),
        // Case variants: ASCII case does not matter.
        (r#""PENDING""#, Pending),
        (r#""Waiting""#, Pending),
        (r#""IN_PROGRESS""#, Processing),
        (r#""In_Progress""#, Processing),
        (r#""SUCCESS""#, Success),
        (r#""SuCcEsS""#, Success),
        (r#""PAID""#, Success),
        (r#""Failed""#, Failed),
        (r#""CANCELED""#, Cancelled),
        (r#""Refunded""#, Reversed),
        // Surrounding whitespace is ignored (Unicode whitespace too: `str::trim`).
        (r#"" paid ""#, Success),
        (r#""\tSUCCESS\n""#, Success),
        (r#""\u3000done""#, Success),
        // Escapes are read before matching.
        (r#""\u0050AID""#, Success),
        (r#""in\u005fprogress""#, Processing),
        // Anything else is kept exactly as sent (not trimmed, not lowercased).
        (r#""on_hold""#, other("on_hold")),
        (r#"" On_Hold ""#, other(" On_Hold ")),
        (r#""""#, other("")),
        (r#""   ""#, other("   ")),
        (r#""in-progress""#, other("in-progress")),
        (r#""in progress""#, other("in progress")),
        (r#""paid!""#, other("paid!")),
        (r#""p aid""#, other("p aid")),
        (r#""successfully""#, other("successfully")),
        (r#""reversed_and_refunded""#, other("reversed_and_refunded")),
        // Not ASCII: no case folding beyond ASCII, so these are not the listed words.
        (r#""ＰＡＩＤ""#, other("ＰＡＩＤ")),
        (r#""ÉRROR""#, other("ÉRROR")),
        (r#""已付款""#, other("已付款")),
        (r#""\u00e9""#, other("é")),
        // Other JSON values are kept as their JSON text.
        ("3", other("3")),
        ("0", other("0")),
        ("-1", other("-1")),
        ("18446744073709551615", other("18446744073709551615")),
        ("-9223372036854775808", other("-9223372036854775808")),
        ("2.5", other("2.5")),
        // A JSON number with an exponent or fraction is a float: serde_json writes it back
        // in its own shortest form.
        ("1e3", other("1000.0")),
        ("2.50", other("2.5")),
        ("true", other("true")),
        ("false", other("false")),
        ("null", other("null")),
        ("[]", other("[]")),
        (r#"["paid"]"#, other(r#"["paid"]"#)),
        (r#"{"a":1}"#, other(r#"{"a":1}"#)),
    ]
}

#[test]
fn wire_values_decode_as_documented() {
    for (json, want) in rows() {
        let got: OrderStatus = serde_json::from_str(json)
            .unwrap_or_else(|e| panic!("{json} was refused ({e}); every value is accepted"));
        assert_eq!(got, want, "decoding {json}");
    }
}

#[test]
fn from_wire_agrees_with_decoding_strings() {
    for (json, want) in rows() {
        if let Ok(text) = serde_json::from_str::<String>(json) {
            assert_eq!(OrderStatus::from_wire(&text), want, "from_wire({text:?})");
        }
    }
}

#[test]
fn inside_a_notification_field_and_as_a_borrowed_or_owned_string() {
    // Through a struct field (the way the SDK reads `status`), from a reader (owned strings,
    // no borrowing from the input) and from a slice (borrowed strings).
    #[derive(serde::Deserialize)]
    struct Row {
        status: Option<OrderStatus>,
    }
    for (json, want) in rows() {
        let doc = format!(r#"{{"status":{json}}}"#);
        let want = match json {
            // `Option` reads `null` as absent before `OrderStatus` sees it.
            "null" => None,
            _ => Some(want),
        };
        let from_slice: Row = serde_json::from_slice(doc.as_bytes()).expect("slice");
        assert_eq!(from_slice.status, want, "slice {doc}");
        let from_reader: Row = serde_json::from_reader(doc.as_bytes()).expect("reader");
        assert_eq!(from_reader.status, want, "reader {doc}");
    }
}

#[test]
fn out_of_range_numbers_are_refused_as_json_is() {
    // serde_json refuses a number it cannot hold, whatever the target type.
    assert!(serde_json::from_str::<OrderStatus>("1e400").is_err());
    assert!(serde_json::from_str::<OrderStatus>("\"unterminated").is_err());
}

#[test]
fn round_trips_through_its_wire_word() {
    for (json, want) in rows() {
        let back = serde_json::to_string(&want).expect("serialize");
        let again: OrderStatus = serde_json::from_str(&back).expect("decode");
        // A kept string comes back as itself; a kept number or array comes back as a string.
        match (&want, json.starts_with('"')) {
            (Other(_), false) => assert_eq!(again.to_string(), want.to_string(), "{json}"),
            _ => assert_eq!(again, want, "{json}"),
        }
    }
}
