//! The e-invoice field encoding against ECPay's own published example values, not the SDKs'.
//!
//! Where the values come from: ECPay's B2C e-invoice technical document
//! 「綠界科技電子發票介接技術文件」 V2.2.15 (2020/04/13), the PDF ECPay ships in its official
//! repository `ECPay/ECPayAIO_PHP` at `EInvoiceSDK/B2C電子發票介接技術文件.pdf` (English copy
//! `EInvoiceSDK/Business-to-Consumer (B2C)E-Invoice API Specification.pdf`). Its parameter table
//! (pages 5 to 9) gives, beside each field ECPay asks to be URL-encoded, an example value and
//! its encoding; the fields are the ones the AIO checkout's invoice extension marks
//! (`CustomerName`, `CustomerAddr`, `CustomerEmail`, `InvoiceItemName` ← `ItemName`,
//! `InvoiceItemWord` ← `ItemWord`, `InvoiceRemark` ← `ItemRemark`). Its appendix 3
//! (「URLEncode 轉換表」, page 59) names the reference: the「.NET 編碼(ecpay)」column, i.e. .NET
//! `HttpUtility.UrlEncode` (lowercase hex, space as `+`, `-_.!*()` kept, letters kept).
//!
//! Two things the document itself is loose about, and how the tests read them:
//! - hex case: the CustomerName/CustomerAddr/CustomerEmail/ItemRemark examples print lowercase
//!   hex (`%e7%b6%a0`), the ItemName/ItemWord examples uppercase (`%E5%90%8D`). Percent-decoding
//!   ignores hex case and CheckMacValue lowercases its input, so those two are compared with the
//!   hex digits of each escape lowercased, and nothing else changed;
//! - the address: the printed text reads 「…19-2號6樓-2 (D棟)」 but the encoding printed twice
//!   (in the table and in the CheckMacValue example, page 58) encodes 「…19-2號56樓-2 (D棟)」; the
//!   test encodes the text that the published encoding decodes to.
//!
//! What the published values settle that the official SDKs do not: a letter keeps its case
//! (`2+(D%e6%a3%9f)`). The PHP and Node SDKs lowercase the whole encoded value, letters
//! included (`(d`), which changes the text ECPay prints on the invoice; the signature is the
//! same either way, since CheckMacValue lowercases before hashing (checked below).

mod common;

use ecpay_sdk::aio::invoice::{encode_field, Invoice, InvoiceItem};
use ecpay_sdk::aio::CheckoutRequest;
use ecpay_sdk::Credentials;
use rust_decimal::Decimal;

/// Lowercases the two hex digits after each `%`, and nothing else.
fn lower_hex_escapes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = 0;
    for c in s.chars() {
        if rest > 0 {
            out.push(c.to_ascii_lowercase());
            rest -= 1;
        } else {
            out.push(c);
            if c == '%' {
                rest = 2;
            }
        }
    }
    out
}

/// (field, example value, ECPay's published encoding, the page it is printed on).
const PUBLISHED: &[(&str, &str, &str, &str)] = &[
    (
        "CustomerName",
        "綠界科技股份有限公司",
        "%e7%b6%a0%e7%95%8c%e7%a7%91%e6%8a%80%e8%82%a1%e4%bb%bd%e6%9c%89%e9%99%90%e5%85%ac%e5%8f%b8",
        "5",
    ),
    (
        "CustomerAddr",
        "臺北市南港區三重路19-2號56樓-2 (D棟)",
        "%e8%87%ba%e5%8c%97%e5%b8%82%e5%8d%97%e6%b8%af%e5%8d%80%e4%b8%89%e9%87%8d%e8%b7%af19-2%e8%99%9f56%e6%a8%93-2+(D%e6%a3%9f)",
        "5",
    ),
    ("CustomerEmail", "abc@ecpay.com.tw", "abc%40ecpay.com.tw", "5"),
    (
        "ItemName",
        "名稱1|名稱2|名稱3",
        "%E5%90%8D%E7%A8%B11%7C%E5%90%8D%E7%A8%B12%7C%E5%90%8D%E7%A8%B13",
        "7",
    ),
    (
        "ItemWord",
        "單位1|單位2|單位3",
        "%E5%96%AE%E4%BD%8D1%7C%E5%96%AE%E4%BD%8D2%7C%E5%96%AE%E4%BD%8D3",
        "8",
    ),
    (
        "ItemRemark",
        "備註1|備註2|備註3",
        "%e5%82%99%e8%a8%bb1%7c%e5%82%99%e8%a8%bb2%7c%e5%82%99%e8%a8%bb3",
        "9",
    ),
];

#[test]
fn encode_field_reproduces_ecpays_published_examples() {
    for (field, input, published, page) in PUBLISHED {
        let want = lower_hex_escapes(published);
        assert_eq!(
            encode_field(input),
            want,
            "{field} (e-invoice document V2.2.15, page {page})"
        );
    }
}

#[test]
fn the_published_lowercase_examples_match_byte_for_byte() {
    // The examples printed in lowercase hex need no normalising at all.
    for (field, input, published, _) in PUBLISHED {
        if lower_hex_escapes(published) != *published {
            continue;
        }
        assert_eq!(encode_field(input), *published, "{field}");
    }
}

fn published_invoice() -> Invoice {
    let items = ["名稱1", "名稱2", "名稱3"]
        .iter()
        .zip(["單位1", "單位2", "單位3"])
        .map(|(name, word)| InvoiceItem {
            name: (*name).into(),
            count: 1,
            word: word.into(),
            price: Decimal::from(100),
            tax_type: None,
        })
        .collect();
    let mut inv = Invoice::new("1234567890E", items);
    inv.customer_name = Some("綠界科技股份有限公司".into());
    inv.customer_addr = Some("臺北市南港區三重路19-2號56樓-2 (D棟)".into());
    inv.customer_email = Some("abc@ecpay.com.tw".into());
    inv.remark = Some("備註1|備註2|備註3".into());
    inv
}

#[test]
fn checkout_posts_the_published_encodings_and_signs_them() {
    let mut req = CheckoutRequest::new(
        "T20260101INV2",
        "2026/01/01 12:00:00",
        300,
        "desc",
        "A#B",
        "https://shop.example.com/return",
    );
    req.invoice = Some(published_invoice());
    let signed = req
        .sign(
            &Credentials::stage(),
            "https://payment-stage.ecpay.com.tw/Cashier/AioCheckOut/V5",
        )
        .expect("signed");
    let pairs = [
        ("CustomerName", "CustomerName"),
        ("CustomerAddr", "CustomerAddr"),
        ("CustomerEmail", "CustomerEmail"),
        ("InvoiceItemName", "ItemName"),
        ("InvoiceItemWord", "ItemWord"),
        ("InvoiceRemark", "ItemRemark"),
    ];
    for (aio_field, doc_field) in pairs {
        let (_, _, published, _) = PUBLISHED
            .iter()
            .find(|(f, ..)| *f == doc_field)
            .expect("published example");
        assert_eq!(
            signed.field(aio_field),
            Some(lower_hex_escapes(published).as_str()),
            "{aio_field}"
        );
    }
    let mac = signed.field("CheckMacValue").map(str::to_owned);
    assert_eq!(
        mac,
        Some(common::cmv_owned(&signed.fields)),
        "CheckMacValue recomputed with sha2"
    );
    // The same form as the official SDKs post it (every encoded value lowercased, letters
    // too) has the same CheckMacValue: ECPay verifies both, only the invoice text differs.
    let sdk_style: Vec<(String, String)> = signed
        .fields
        .iter()
        .map(|(k, v)| {
            if ecpay_sdk::aio::invoice::ENCODED_FIELDS.contains(&k.as_str()) {
                (k.clone(), v.to_ascii_lowercase())
            } else {
                (k.clone(), v.clone())
            }
        })
        .collect();
    assert_ne!(sdk_style, signed.fields, "the address differs in `D`");
    assert_eq!(mac, Some(common::cmv_owned(&sdk_style)));
}
