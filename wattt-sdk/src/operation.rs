//! The operations of the Wattt merchant API, as the client calls them.

use sign_core::policy::Idempotency;

/// One operation of the Wattt merchant API.
///
/// ```
/// use wattt_sdk::{ops, Idempotency};
/// assert_eq!(ops::CREATE_PAYOUT.path, "/api/v1/merchant/payouts");
/// assert_eq!(ops::CREATE_PAYOUT.idempotency, Idempotency::NonIdempotent);
/// assert_eq!(ops::BALANCE.idempotency, Idempotency::Idempotent);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The SDK's name for it (used in errors and traces).
    pub name: &'static str,
    /// HTTP method, upper-case.
    pub method: &'static str,
    /// Path below the base URL.
    pub path: &'static str,
    /// Whether it may be sent again whatever happened to an attempt (queries) or only when an
    /// attempt certainly had no effect (everything that creates something on the server).
    pub idempotency: Idempotency,
}

/// Every operation of the spec, with the path the client calls.
pub mod ops {
    use super::Operation;
    use sign_core::policy::Idempotency::{Idempotent as Q, NonIdempotent as W};

    /// `POST /api/v1/merchant/payment-channels`
    pub const PAYMENT_CHANNELS: Operation = Operation {
        name: "payment_channels",
        method: "POST",
        path: "/api/v1/merchant/payment-channels",
        idempotency: Q,
    };
    /// `POST /api/v1/merchant/payment-amounts`
    pub const PAYMENT_AMOUNTS: Operation = Operation {
        name: "payment_amounts",
        method: "POST",
        path: "/api/v1/merchant/payment-amounts",
        idempotency: Q,
    };
    /// `POST /api/v1/merchant/payment-links/amount` (creates a wait page: not repeated)
    pub const PAYMENT_LINK_AMOUNT: Operation = Operation {
        name: "create_payment_link_for_amount",
        method: "POST",
        path: "/api/v1/merchant/payment-links/amount",
        idempotency: W,
    };
    /// `POST /api/v1/merchant/payment-links` (creates a session: not repeated)
    pub const PAYMENT_LINK: Operation = Operation {
        name: "create_payment_link",
        method: "POST",
        path: "/api/v1/merchant/payment-links",
        idempotency: W,
    };
    /// `POST /api/v1/merchant/collections`
    pub const CREATE_COLLECTION: Operation = Operation {
        name: "create_collection",
        method: "POST",
        path: "/api/v1/merchant/collections",
        idempotency: W,
    };
    /// `POST /api/v1/merchant/collections/status`
    pub const COLLECTION_STATUS: Operation = Operation {
        name: "collection_status",
        method: "POST",
        path: "/api/v1/merchant/collections/status",
        idempotency: Q,
    };
    /// `POST /api/v1/merchant/payouts`
    pub const CREATE_PAYOUT: Operation = Operation {
        name: "create_payout",
        method: "POST",
        path: "/api/v1/merchant/payouts",
        idempotency: W,
    };
    /// `POST /api/v1/merchant/payouts/status`
    pub const PAYOUT_STATUS: Operation = Operation {
        name: "payout_status",
        method: "POST",
        path: "/api/v1/merchant/payouts/status",
        idempotency: Q,
    };
    /// `POST /api/v1/merchant/balance`
    pub const BALANCE: Operation = Operation {
        name: "balance",
        method: "POST",
        path: "/api/v1/merchant/balance",
        idempotency: Q,
    };
    /// `GET /api/v1/merchant/banks`
    pub const BANKS: Operation = Operation {
        name: "banks",
        method: "GET",
        path: "/api/v1/merchant/banks",
        idempotency: Q,
    };
    /// `POST /api/v1/merchant/callbacks/retry` (queues a delivery: not repeated)
    pub const CALLBACK_RETRY: Operation = Operation {
        name: "retry_callback",
        method: "POST",
        path: "/api/v1/merchant/callbacks/retry",
        idempotency: W,
    };
}

/// All operations the client implements (the spec-coverage test compares this with the spec
/// file's own list of paths and methods).
///
/// ```
/// assert!(wattt_sdk::OPERATIONS.contains(&wattt_sdk::ops::BANKS));
/// ```
pub const OPERATIONS: &[Operation] = &[
    ops::PAYMENT_CHANNELS,
    ops::PAYMENT_AMOUNTS,
    ops::PAYMENT_LINK_AMOUNT,
    ops::PAYMENT_LINK,
    ops::CREATE_COLLECTION,
    ops::COLLECTION_STATUS,
    ops::CREATE_PAYOUT,
    ops::PAYOUT_STATUS,
    ops::BALANCE,
    ops::BANKS,
    ops::CALLBACK_RETRY,
];

/// Decodes an answer body exactly as operation `op` does (the envelope, then its typed model),
/// without any network: for the crate's hostile-input tests, which feed it mutated answers.
#[doc(hidden)]
pub fn decode_answer(op: &Operation, status: u16, body: &[u8]) -> crate::Result<()> {
    use crate::*;
    let mut env =
        crate::client::decode_envelope(op.name, status, bytes::Bytes::copy_from_slice(body))?;
    match *op {
        o if o == ops::PAYMENT_CHANNELS => {
            env.list_as::<PaymentChannels>(o.name, "channels").map(drop)
        }
        o if o == ops::PAYMENT_AMOUNTS => env.data_as::<PaymentAmounts>(o.name).map(drop),
        o if o == ops::PAYMENT_LINK || o == ops::PAYMENT_LINK_AMOUNT => {
            let link = crate::payment_links::link_from(&o, env)?;
            link.payment_url().map(drop)
        }
        o if o == ops::CREATE_COLLECTION || o == ops::COLLECTION_STATUS => {
            env.data_as::<Collection>(o.name).map(drop)
        }
        o if o == ops::CREATE_PAYOUT || o == ops::PAYOUT_STATUS => {
            env.data_as::<Payout>(o.name).map(drop)
        }
        o if o == ops::BALANCE => env.data_as::<Balance>(o.name).map(drop),
        o if o == ops::BANKS => env.list_as::<BankList>(o.name, "banks").map(drop),
        o => env
            .data_as::<serde_json::Map<String, serde_json::Value>>(o.name)
            .map(drop),
    }
}
