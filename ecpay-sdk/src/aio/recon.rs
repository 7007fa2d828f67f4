//! Reconciliation files: `PaymentMedia/TradeNoAio` (the vendor host's trade media file, docs
//! `?p=16599`) and `CreditDetail/FundingReconDetail` (the credit card
//! appropriation file, docs `?p=2898` / English `?p=16604`), as the official SDKs call them
//! (Node `ECpayPayment.xml` `TradeNoAio`, `FundingReconDetail`; PHP `ECPay_TradeNoAio`,
//! `ECPay_FundingReconDetail`).
//!
//! ECPay answers both with a CSV file. The Node SDK decodes both as Big5 (`iconv.decode(..,
//! 'big5')`); a merchant may also get UTF-8, so [`FileEncoding::Auto`] reads UTF-8 when the
//! bytes are UTF-8 and Big5 otherwise, and an explicit choice is honoured exactly. Columns are
//! found by their header names (ECPay's column titles, in Chinese), not by position: lines
//! before the header are kept as the file's preamble, a totals line (`合計`/`總計`) as its
//! footer. Money is integer TWD (a refund is negative); a row that cannot be read is an error
//! naming its line.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::aio::wire::{self, Host, Repeat};
use crate::aio::Aio;
use crate::error::{Error, Result};

/// Path of `TradeNoAio` (vendor host).
pub const TRADE_NO_AIO_PATH: &str = "/PaymentMedia/TradeNoAio";
/// Path of `FundingReconDetail` (payment host).
pub const FUNDING_RECON_PATH: &str = "/CreditDetail/FundingReconDetail";

/// How the downloaded bytes are decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum FileEncoding {
    /// UTF-8 when the bytes are valid UTF-8 (a BOM is dropped), Big5 otherwise.
    #[default]
    Auto,
    /// UTF-8 only; invalid bytes are an error.
    Utf8,
    /// Big5 (what the official Node SDK assumes); invalid bytes are an error.
    Big5,
}

impl FileEncoding {
    /// Parses `auto`, `utf8`/`utf-8`, `big5` (case-insensitive).
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Some(Self::Auto),
            "utf8" | "utf-8" => Some(Self::Utf8),
            "big5" => Some(Self::Big5),
            _ => None,
        }
    }

    /// Decodes the file's bytes to text.
    ///
    /// ```
    /// use ecpay_sdk::aio::FileEncoding;
    /// // "交易" in Big5.
    /// assert_eq!(FileEncoding::Big5.decode(&[0xa5, 0xe6, 0xa9, 0xf6])?, "交易");
    /// assert_eq!(FileEncoding::Auto.decode(&[0xa5, 0xe6, 0xa9, 0xf6])?, "交易");
    /// assert_eq!(FileEncoding::Auto.decode("交易".as_bytes())?, "交易");
    /// assert!(FileEncoding::Utf8.decode(&[0xa5, 0xe6]).is_err());
    /// # Ok::<(), ecpay_sdk::Error>(())
    /// ```
    pub fn decode(self, bytes: &[u8]) -> Result<String> {
        let utf8 = |b: &[u8]| -> Option<String> {
            let b = b.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(b);
            std::str::from_utf8(b).ok().map(str::to_owned)
        };
        let big5 = |b: &[u8]| -> Option<String> {
            let (text, had_errors) = encoding_rs::BIG5.decode_without_bom_handling(b);
            (!had_errors).then(|| text.into_owned())
        };
        let lossy = || String::from_utf8_lossy(bytes).into_owned();
        match self {
            Self::Utf8 => utf8(bytes).ok_or_else(|| Error::decode("file is not UTF-8", &lossy())),
            Self::Big5 => big5(bytes).ok_or_else(|| Error::decode("file is not Big5", &lossy())),
            Self::Auto => utf8(bytes)
                .or_else(|| big5(bytes))
                .ok_or_else(|| Error::decode("file is neither UTF-8 nor Big5", &lossy())),
        }
    }
}

/// `DateType` of `TradeNoAio`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MediaDateType {
    /// `2`: by payment date.
    Paid,
    /// `4`: by appropriation (disbursement) date.
    Allocated,
    /// `6`: by order date.
    Ordered,
}

impl MediaDateType {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Paid => "2",
            Self::Allocated => "4",
            Self::Ordered => "6",
        }
    }
}

/// `TradeNoAio` parameters (docs `?p=16599`).
///
/// ```
/// use chrono::NaiveDate;
/// use ecpay_sdk::aio::{MediaDateType, TradeFileRequest};
/// let d = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
/// let req = TradeFileRequest::new(MediaDateType::Paid, d, d);
/// let f = req.fields("3002607")?;
/// assert!(f.iter().any(|(k, v)| k == "BeginDate" && v == "2026-01-01"));
/// assert!(f.iter().any(|(k, v)| k == "MediaFormated" && v == "1"));
/// # Ok::<(), ecpay_sdk::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TradeFileRequest {
    /// `DateType`
    pub date_type: MediaDateType,
    /// `BeginDate`
    pub begin_date: NaiveDate,
    /// `EndDate` (not before `BeginDate`).
    pub end_date: NaiveDate,
    /// `PaymentType`: `01` credit, `02` WebATM, `03` ATM, `04` CVS code, `05` CVS barcode,
    /// `08` credit (OTP), `10` FamilyMart barcode, `11` flexible installment, `12` TWQR; all
    /// when `None`.
    pub payment_type: Option<String>,
    /// `PlatformStatus`: `1` ordinary orders, `2` platform orders; all when `None`.
    pub platform_status: Option<u8>,
    /// `PaymentStatus`: `0` unpaid, `1` paid, `2` failed; all when `None`.
    pub payment_status: Option<u8>,
    /// `AllocateStatus`: `0` not appropriated, `1` appropriated; all when `None`.
    pub allocate_status: Option<u8>,
    /// `MediaFormated`: `true` (the default) asks for ECPay's new file format (`1`).
    pub new_format: bool,
    /// How to decode the file.
    pub encoding: FileEncoding,
}

const MEDIA_PAYMENT_TYPES: &[&str] = &["01", "02", "03", "04", "05", "08", "10", "11", "12"];

impl TradeFileRequest {
    /// A request for the new-format file of one date range.
    pub fn new(date_type: MediaDateType, begin_date: NaiveDate, end_date: NaiveDate) -> Self {
        Self {
            date_type,
            begin_date,
            end_date,
            payment_type: None,
            platform_status: None,
            payment_status: None,
            allocate_status: None,
            new_format: true,
            encoding: FileEncoding::Auto,
        }
    }

    /// The unsigned fields after checking ECPay's rules.
    pub fn fields(&self, merchant_id: &str) -> Result<Vec<(String, String)>> {
        if self.end_date < self.begin_date {
            return Err(Error::validation("EndDate", "must not be before BeginDate"));
        }
        let mut f = vec![
            ("MerchantID".to_owned(), merchant_id.to_owned()),
            ("DateType".to_owned(), self.date_type.as_str().to_owned()),
            ("BeginDate".to_owned(), wire::format_day(self.begin_date)),
            ("EndDate".to_owned(), wire::format_day(self.end_date)),
        ];
        if let Some(p) = &self.payment_type {
            if !MEDIA_PAYMENT_TYPES.contains(&p.as_str()) {
                return Err(Error::validation(
                    "PaymentType",
                    format!("one of {}", MEDIA_PAYMENT_TYPES.join(", ")),
                ));
            }
            f.push(("PaymentType".into(), p.clone()));
        }
        for (name, v, max) in [
            ("PlatformStatus", self.platform_status, 2u8),
            ("PaymentStatus", self.payment_status, 2),
            ("AllocateStatus", self.allocate_status, 1),
        ] {
            if let Some(v) = v {
                let lo = u8::from(name == "PlatformStatus");
                if v < lo || v > max {
                    return Err(Error::validation(name, format!("must be {lo}..={max}")));
                }
                f.push((name.into(), v.to_string()));
            }
        }
        f.push((
            "MediaFormated".into(),
            if self.new_format { "1" } else { "0" }.into(),
        ));
        Ok(f)
    }
}

/// `PayDateType` of `FundingReconDetail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FundingDateType {
    /// `fund`: by settlement date.
    Fund,
    /// `close`: by capture (close) date.
    Close,
    /// `enter`: by the date the money reached the merchant's ECPay account.
    Enter,
}

impl FundingDateType {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fund => "fund",
            Self::Close => "close",
            Self::Enter => "enter",
        }
    }

    /// Parses the wire value.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "fund" => Some(Self::Fund),
            "close" => Some(Self::Close),
            "enter" => Some(Self::Enter),
            _ => None,
        }
    }
}

/// `FundingReconDetail` parameters (docs `?p=2898`).
///
/// ```
/// use chrono::NaiveDate;
/// use ecpay_sdk::aio::{FundingDateType, FundingFileRequest};
/// let d = NaiveDate::from_ymd_opt(2026, 1, 2).unwrap();
/// let f = FundingFileRequest::new(FundingDateType::Enter, d, d).fields("3002607")?;
/// assert!(f.iter().any(|(k, v)| k == "PayDateType" && v == "enter"));
/// # Ok::<(), ecpay_sdk::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FundingFileRequest {
    /// `PayDateType`
    pub pay_date_type: FundingDateType,
    /// `StartDate`
    pub start_date: NaiveDate,
    /// `EndDate` (not before `StartDate`).
    pub end_date: NaiveDate,
    /// How to decode the file.
    pub encoding: FileEncoding,
}

impl FundingFileRequest {
    /// A request for one date range.
    pub fn new(pay_date_type: FundingDateType, start_date: NaiveDate, end_date: NaiveDate) -> Self {
        Self {
            pay_date_type,
            start_date,
            end_date,
            encoding: FileEncoding::Auto,
        }
    }

    /// The unsigned fields after checking ECPay's rules.
    pub fn fields(&self, merchant_id: &str) -> Result<Vec<(String, String)>> {
        if self.end_date < self.start_date {
            return Err(Error::validation("EndDate", "must not be before StartDate"));
        }
        Ok(vec![
            ("MerchantID".into(), merchant_id.to_owned()),
            ("PayDateType".into(), self.pay_date_type.as_str().to_owned()),
            ("StartDate".into(), wire::format_day(self.start_date)),
            ("EndDate".into(), wire::format_day(self.end_date)),
        ])
    }
}

/// One row of a `TradeNoAio` file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TradeFileRow {
    /// The file line the row starts on (1-based).
    pub line: usize,
    /// The merchant's `MerchantTradeNo` (特店訂單編號).
    pub merchant_trade_no: String,
    /// ECPay's `TradeNo` (綠界訂單編號), empty when the file has no such column.
    pub trade_no: String,
    /// Order date as written (交易日期/訂單成立時間).
    pub trade_date: String,
    /// Payment date as written (付款日期), empty when unpaid.
    pub payment_date: String,
    /// Payment method as ECPay words it (付款方式).
    pub payment_type: String,
    /// Trade amount in TWD (交易金額).
    pub amount: i64,
    /// Handling charge in TWD (交易手續費), when the file has it.
    pub handling_charge: Option<i64>,
    /// Amount appropriated to the merchant in TWD (撥款金額/應收款項), when the file has it.
    pub net_amount: Option<i64>,
    /// Payment status as ECPay words it (付款狀態).
    pub payment_status: String,
    /// Appropriation status as ECPay words it (撥款狀態).
    pub allocation_status: String,
    /// Every cell by its header, the ones above included.
    pub columns: BTreeMap<String, String>,
}

/// One row of a `FundingReconDetail` file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FundingFileRow {
    /// The file line the row starts on (1-based).
    pub line: usize,
    /// 序號
    pub serial: String,
    /// 授權單號 (the authorisation's `gwsr`).
    pub gwsr: String,
    /// 授權碼
    pub auth_code: String,
    /// 訂單編號 (`MerchantTradeNo`).
    pub merchant_trade_no: String,
    /// 交易日期 as written.
    pub trade_date: String,
    /// 請款日期 as written.
    pub capture_date: String,
    /// 交易金額 in TWD (negative for a refund).
    pub amount: i64,
    /// 撥款金額 in TWD (negative for a refund).
    pub funded_amount: i64,
    /// Every cell by its header.
    pub columns: BTreeMap<String, String>,
}

/// A decoded reconciliation file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReconFile<R> {
    /// Lines before the header (a title, the query range), as text.
    pub preamble: Vec<String>,
    /// The header's column names.
    pub header: Vec<String>,
    /// The rows.
    pub rows: Vec<R>,
    /// Totals lines (`合計`, `總計`) after the rows, as their cells.
    pub footer: Vec<Vec<String>>,
}

/// The `TradeNoAio` file.
pub type TradeFile = ReconFile<TradeFileRow>;
/// The `FundingReconDetail` file.
pub type FundingFile = ReconFile<FundingFileRow>;

type Aliases = &'static [&'static str];

const T_MERCHANT_TRADE_NO: Aliases = &[
    "特店訂單編號",
    "廠商訂單編號",
    "特店交易編號",
    "MerchantTradeNo",
];
const T_TRADE_NO: Aliases = &["綠界訂單編號", "綠界交易編號", "TradeNo"];
const T_TRADE_DATE: Aliases = &["交易日期", "訂單成立時間", "訂單日期", "TradeDate"];
const T_PAYMENT_DATE: Aliases = &["付款日期", "付款時間", "PaymentDate"];
const T_PAYMENT_TYPE: Aliases = &["付款方式", "PaymentType"];
const T_AMOUNT: Aliases = &["交易金額", "訂單金額", "TradeAmt"];
const T_FEE: Aliases = &["交易手續費", "手續費", "HandlingCharge"];
const T_NET: Aliases = &["撥款金額", "應收款項", "實收金額"];
const T_PAY_STATUS: Aliases = &["付款狀態", "交易狀態"];
const T_ALLOC_STATUS: Aliases = &["撥款狀態"];

const F_SERIAL: Aliases = &["序號"];
const F_GWSR: Aliases = &["授權單號"];
const F_AUTH: Aliases = &["授權碼"];
const F_TRADE_NO: Aliases = &["訂單編號", "特店訂單編號"];
const F_TRADE_DATE: Aliases = &["交易日期"];
const F_CAPTURE_DATE: Aliases = &["請款日期"];
const F_AMOUNT: Aliases = &["交易金額"];
const F_FUNDED: Aliases = &["撥款金額"];

impl TradeFile {
    /// Decodes a `TradeNoAio` file (bytes as downloaded).
    ///
    /// ```
    /// use ecpay_sdk::aio::{FileEncoding, TradeFile};
    /// let csv = "特店訂單編號,綠界訂單編號,交易日期,付款方式,交易金額,交易手續費,撥款金額\r\n\
    ///            ORD1,2601011000000001,2026/01/01 10:00:00,信用卡,\"1,200\",34,1166\r\n";
    /// let file = TradeFile::decode(csv.as_bytes(), FileEncoding::Auto)?;
    /// assert_eq!(file.rows[0].amount, 1200);
    /// assert_eq!(file.rows[0].net_amount, Some(1166));
    /// # Ok::<(), ecpay_sdk::Error>(())
    /// ```
    pub fn decode(bytes: &[u8], encoding: FileEncoding) -> Result<Self> {
        let text = encoding.decode(bytes)?;
        decode_file(
            &text,
            &[T_MERCHANT_TRADE_NO, T_AMOUNT],
            |line, cells, idx| {
                Ok(TradeFileRow {
                    line,
                    merchant_trade_no: idx.text(cells, T_MERCHANT_TRADE_NO),
                    trade_no: idx.text(cells, T_TRADE_NO),
                    trade_date: idx.text(cells, T_TRADE_DATE),
                    payment_date: idx.text(cells, T_PAYMENT_DATE),
                    payment_type: idx.text(cells, T_PAYMENT_TYPE),
                    amount: idx.money(cells, T_AMOUNT, line)?.unwrap_or(0),
                    handling_charge: idx.money(cells, T_FEE, line)?,
                    net_amount: idx.money(cells, T_NET, line)?,
                    payment_status: idx.text(cells, T_PAY_STATUS),
                    allocation_status: idx.text(cells, T_ALLOC_STATUS),
                    columns: idx.all(cells),
                })
            },
        )
    }
}

impl FundingFile {
    /// Decodes a `FundingReconDetail` file (bytes as downloaded).
    ///
    /// ```
    /// use ecpay_sdk::aio::{FileEncoding, FundingFile};
    /// let csv = "序號,授權單號,授權碼,訂單編號,交易日期,請款日期,交易金額,撥款金額\n\
    ///            1,11111111,777777,ORD1,20260101,20260102,-299,-291\n";
    /// let file = FundingFile::decode(csv.as_bytes(), FileEncoding::Utf8)?;
    /// assert_eq!((file.rows[0].amount, file.rows[0].funded_amount), (-299, -291));
    /// # Ok::<(), ecpay_sdk::Error>(())
    /// ```
    pub fn decode(bytes: &[u8], encoding: FileEncoding) -> Result<Self> {
        let text = encoding.decode(bytes)?;
        decode_file(&text, &[F_GWSR, F_AMOUNT, F_FUNDED], |line, cells, idx| {
            Ok(FundingFileRow {
                line,
                serial: idx.text(cells, F_SERIAL),
                gwsr: idx.text(cells, F_GWSR),
                auth_code: idx.text(cells, F_AUTH),
                merchant_trade_no: idx.text(cells, F_TRADE_NO),
                trade_date: idx.text(cells, F_TRADE_DATE),
                capture_date: idx.text(cells, F_CAPTURE_DATE),
                amount: idx.money(cells, F_AMOUNT, line)?.unwrap_or(0),
                funded_amount: idx.money(cells, F_FUNDED, line)?.unwrap_or(0),
                columns: idx.all(cells),
            })
        })
    }
}

struct Index {
    header: Vec<String>,
}

impl Index {
    fn pos(&self, names: Aliases) -> Option<usize> {
        names
            .iter()
            .find_map(|n| self.header.iter().position(|h| h == n))
    }

    fn text(&self, cells: &[String], names: Aliases) -> String {
        self.pos(names)
            .and_then(|i| cells.get(i))
            .cloned()
            .unwrap_or_default()
    }

    fn money(&self, cells: &[String], names: Aliases, line: usize) -> Result<Option<i64>> {
        let Some(i) = self.pos(names) else {
            return Ok(None);
        };
        let raw = cells.get(i).map(String::as_str).unwrap_or("");
        if raw.trim().is_empty() {
            return Ok(None);
        }
        parse_money(raw).map(Some).ok_or_else(|| {
            Error::decode(
                format!(
                    "line {line}: column `{}` is not an integer TWD amount",
                    self.header[i]
                ),
                raw,
            )
        })
    }

    fn all(&self, cells: &[String]) -> BTreeMap<String, String> {
        self.header
            .iter()
            .zip(cells.iter())
            .filter(|(h, _)| !h.is_empty())
            .map(|(h, c)| (h.clone(), c.clone()))
            .collect()
    }
}

/// Integer TWD as ECPay writes it: optional sign, digits with optional thousands commas, an
/// optional all-zero fraction (`1,200`, `-299`, `300.00`).
fn parse_money(raw: &str) -> Option<i64> {
    let s = raw.trim();
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if !frac.bytes().all(|b| b == b'0') || int.is_empty() {
        return None;
    }
    let digits: String = int.chars().filter(|c| *c != ',').collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if int.contains(',') && !int.split(',').skip(1).all(|g| g.len() == 3) {
        return None;
    }
    let v: i64 = digits.parse().ok()?;
    Some(if neg { -v } else { v })
}

/// Splits CSV text into records (RFC 4180 quoting, `\n` or `\r\n`), each with the line it
/// starts on. ECPay's Excel-safe `="…"` cells lose their wrapper.
fn records(text: &str) -> Result<Vec<(usize, Vec<String>)>> {
    let mut out = Vec::new();
    let mut cells: Vec<String> = Vec::new();
    let mut cell = String::new();
    let mut in_quotes = false;
    let mut line = 1usize;
    let mut start = 1usize;
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        match c {
            '"' if in_quotes => {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    cell.push('"');
                } else {
                    in_quotes = false;
                }
            }
            '"' if cell.is_empty() || cell == "=" => {
                cell.clear();
                in_quotes = true;
            }
            ',' if !in_quotes => cells.push(std::mem::take(&mut cell)),
            '\r' if !in_quotes && chars.peek() == Some(&'\n') => {}
            '\n' if !in_quotes => {
                cells.push(std::mem::take(&mut cell));
                out.push((start, std::mem::take(&mut cells)));
                line += 1;
                start = line;
                any = false;
            }
            '\n' => {
                line += 1;
                cell.push('\n');
            }
            other => cell.push(other),
        }
    }
    if in_quotes {
        return Err(Error::decode(
            format!("line {start}: a quoted cell is never closed"),
            &cell,
        ));
    }
    if any {
        cells.push(cell);
        out.push((start, cells));
    }
    Ok(out)
}

fn is_blank(cells: &[String]) -> bool {
    cells.iter().all(|c| c.trim().is_empty())
}

fn decode_file<R>(
    text: &str,
    required: &[Aliases],
    row: impl Fn(usize, &[String], &Index) -> Result<R>,
) -> Result<ReconFile<R>> {
    let recs = records(text)?;
    let mut preamble = Vec::new();
    let mut iter = recs.into_iter();
    let header = loop {
        let Some((_, cells)) = iter.next() else {
            return Err(Error::decode(
                format!(
                    "no header line with the columns {}",
                    required.iter().map(|a| a[0]).collect::<Vec<_>>().join(", ")
                ),
                text,
            ));
        };
        let trimmed: Vec<String> = cells.iter().map(|c| c.trim().to_owned()).collect();
        if required
            .iter()
            .all(|names| names.iter().any(|n| trimmed.iter().any(|h| h == n)))
        {
            break trimmed;
        }
        if !is_blank(&cells) {
            preamble.push(cells.join(","));
        }
    };
    let idx = Index { header };
    let mut rows = Vec::new();
    let mut footer = Vec::new();
    for (line, cells) in iter {
        if is_blank(&cells) {
            continue;
        }
        let first = cells.first().map(|c| c.trim()).unwrap_or("");
        if first.starts_with("合計") || first.starts_with("總計") || first.starts_with("小計")
        {
            footer.push(cells);
            continue;
        }
        if !footer.is_empty() {
            return Err(Error::decode(
                format!("line {line}: a row after the totals line"),
                &cells.join(","),
            ));
        }
        if cells.len() != idx.header.len() {
            return Err(Error::decode(
                format!(
                    "line {line}: {} cells where the header has {}",
                    cells.len(),
                    idx.header.len()
                ),
                &cells.join(","),
            ));
        }
        rows.push(row(line, &cells, &idx)?);
    }
    Ok(ReconFile {
        preamble,
        header: idx.header,
        rows,
        footer,
    })
}

impl Aio<'_> {
    /// `PaymentMedia/TradeNoAio`: downloads and decodes the trade media file from the vendor
    /// host (`vendor-stage.ecpay.com.tw` / `vendor.ecpay.com.tw`). A read: retried by the
    /// policy. ECPay allows one download a minute per IP, from IPs set in its back office.
    pub async fn trade_file(&self, req: &TradeFileRequest) -> Result<TradeFile> {
        let creds = self.client.require_credentials()?.clone();
        req.fields(creds.merchant_id())?;
        let answer = wire::post(
            self.client,
            Host::Vendor,
            TRADE_NO_AIO_PATH,
            "TradeNoAio",
            &wire::format_day(req.begin_date),
            Repeat::Safe,
            || req.fields(creds.merchant_id()).unwrap_or_default(),
        )
        .await?;
        TradeFile::decode(&answer.body, req.encoding)
    }

    /// `CreditDetail/FundingReconDetail`: downloads and decodes the credit card appropriation
    /// file. A read: retried by the policy. Production only (ECPay's stage host has no real
    /// authorisations).
    pub async fn funding_file(&self, req: &FundingFileRequest) -> Result<FundingFile> {
        let creds = self.client.require_credentials()?.clone();
        req.fields(creds.merchant_id())?;
        let answer = wire::post(
            self.client,
            Host::Payment,
            FUNDING_RECON_PATH,
            "FundingReconDetail",
            &wire::format_day(req.start_date),
            Repeat::Safe,
            || req.fields(creds.merchant_id()).unwrap_or_default(),
        )
        .await?;
        FundingFile::decode(&answer.body, req.encoding)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_forms() {
        let cases: &[(&str, Option<i64>)] = &[
            ("1200", Some(1200)),
            ("1,200", Some(1200)),
            ("-299", Some(-299)),
            ("300.00", Some(300)),
            (" 5 ", Some(5)),
            ("2.75", None),
            ("12,34", None),
            ("abc", None),
            ("-", None),
            ("", None),
        ];
        for (raw, want) in cases {
            assert_eq!(parse_money(raw), *want, "case {raw:?}");
        }
    }

    #[test]
    fn quoted_cells_and_excel_wrapper() {
        let r = records("a,\"b,c\",=\"007\"\r\n\"x\"\"y\",,\n").unwrap();
        assert_eq!(r[0], (1, vec!["a".into(), "b,c".into(), "007".into()]));
        assert_eq!(r[1], (2, vec!["x\"y".into(), "".into(), "".into()]));
        assert!(records("a,\"open\n").is_err());
    }
}
