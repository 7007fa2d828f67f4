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
