//! Open enums for wire values: [`wire_enum!`](crate::wire_enum!) writes, once for every SDK crate,
//! an enum whose documented values are variants and whose unknown values are kept as sent.
//!
//! A gateway adds statuses, channels and error codes without notice. A closed enum would make
//! every answer or callback carrying a new value fail to decode, so each SDK's wire enums keep
//! anything they do not know in `Other(String)`, and a newer value reaches the caller instead
//! of an error. The macro gives every such enum the same surface:
//!
//! | item | what it does |
//! |---|---|
//! | the documented variants, plus `Other(String)` | `#[non_exhaustive]`; `Debug`, `Clone`, `Eq`, `Hash` |
//! | `ALL` | every documented value, in the order the invocation lists them |
//! | `as_str()` | the wire form (`Other` gives its text as sent) |
//! | `from_wire(&str)` | never fails: exact (case-sensitive) match, else `Other` |
//! | `Display`, `FromStr` (`Err = Infallible`) | the wire form, both ways |
//! | `From<String>`, `From<Name> for String` | the wire form, moving an `Other`'s text |
//! | `Serialize`, `Deserialize` | a JSON (or any serde) string |
//!
//! The name `from_wire` says it cannot fail; the SDKs keep `parse` for closed sets that answer
//! `Option` (ECPay's `PaymentMethod::parse`).
//!
//! Decoding does not allocate for a documented value: `Deserialize` visits the string the
//! format hands over (borrowed from the input, or a scratch buffer when it holds escapes) and
//! maps it straight to the variant; only an `Other` copies the text, and a format that hands
//! over an owned `String` has it moved into `Other` without a copy. Webhook and answer decoding
//! in every SDK crate depend on this.
//!
//! ```
//! sign_core::wire_enum! {
//!     /// A payment's status.
//!     Status {
//!         /// Waiting for the payer.
//!         Pending = "pending",
//!         /// Paid.
//!         Paid = "paid",
//!     }
//! }
//!
//! assert_eq!(Status::from_wire("paid"), Status::Paid);
//! assert_eq!(Status::from_wire("PAID"), Status::Other("PAID".into())); // exact match only
//! assert_eq!(Status::ALL, &[Status::Pending, Status::Paid]);
//! assert_eq!(Status::Paid.to_string(), "paid");
//! assert_eq!("on_hold".parse::<Status>(), Ok(Status::Other("on_hold".into())));
//!
//! let s: Status = serde_json::from_str(r#""pending""#).unwrap();
//! assert_eq!(s, Status::Pending);
//! let s: Status = serde_json::from_str(r#""on_hold""#).unwrap();
//! assert_eq!(s.as_str(), "on_hold"); // kept as sent
//! assert_eq!(serde_json::to_string(&s).unwrap(), r#""on_hold""#);
//! ```

/// The serde the generated impls name, so an invoking crate needs no `serde` of its own.
#[doc(hidden)]
pub use serde as __serde;

/// Writes an open wire enum: the documented variants, `Other(String)` for any other value (kept
/// as sent), `ALL`, `as_str`, `from_wire`, `Display`, `FromStr`, `From<String>`,
/// `From<Name> for String`, and serde `Serialize`/`Deserialize` as a string that does not
/// allocate for a documented value. See the [module docs](mod@crate::wire_enum) for the contract.
///
/// Syntax: attributes and docs for the enum, its name, then `Variant = "wire",` lines, each with
/// its docs (`#![deny(missing_docs)]` asks for them). The enum is `pub`.
///
/// ```
/// sign_core::wire_enum! {
///     /// Sort direction for listings.
///     SortOrder {
///         /// `asc`.
///         Asc = "asc",
///         /// `desc`.
///         Desc = "desc",
///     }
/// }
///
/// assert_eq!(SortOrder::Desc.as_str(), "desc");
/// assert_eq!(String::from(SortOrder::Asc), "asc");
/// assert_eq!(SortOrder::from(String::from("up")), SortOrder::Other("up".into()));
/// assert!(SortOrder::ALL.iter().all(|v| SortOrder::from_wire(v.as_str()) == *v));
/// ```
#[macro_export]
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $wire:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version of the SDK does not know, kept as sent.
            Other(::std::string::String),
        }

        impl $name {
            /// Every documented value, in the order the spec lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value as written on the wire (an `Other` gives its text as sent).
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Other(s) => s.as_str(),
                }
            }

            /// Reads a wire value; never fails: a documented value (matched exactly, case
            /// included) gives its variant, any other is kept as sent in `Other`.
            pub fn from_wire(s: &str) -> Self {
                match s {
                    $( $wire => $name::$variant, )+
                    other => $name::Other(::std::borrow::ToOwned::to_owned(other)),
                }
            }

            /// The documented variant for `s`, without allocating; `None` for any other value.
            fn known(s: &str) -> ::std::option::Option<Self> {
                match s {
                    $( $wire => ::std::option::Option::Some($name::$variant), )+
                    _ => ::std::option::Option::None,
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                ::std::result::Result::Ok(Self::from_wire(s))
            }
        }

        impl ::std::convert::From<::std::string::String> for $name {
            fn from(s: ::std::string::String) -> Self {
                Self::known(&s).unwrap_or($name::Other(s))
            }
        }

        impl ::std::convert::From<$name> for ::std::string::String {
            fn from(v: $name) -> ::std::string::String {
                match v {
                    $name::Other(s) => s,
                    known => ::std::borrow::ToOwned::to_owned(known.as_str()),
                }
            }
        }

        impl $crate::wire_enum::__serde::Serialize for $name {
            fn serialize<S>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error>
            where
                S: $crate::wire_enum::__serde::Serializer,
            {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::wire_enum::__serde::Deserialize<'de> for $name {
            fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
            where
                D: $crate::wire_enum::__serde::Deserializer<'de>,
            {
                struct Visit;

                impl<'de> $crate::wire_enum::__serde::de::Visitor<'de> for Visit {
                    type Value = $name;

                    fn expecting(
                        &self,
                        f: &mut ::std::fmt::Formatter<'_>,
                    ) -> ::std::fmt::Result {
                        f.write_str(concat!("a ", stringify!($name), " string"))
                    }

                    fn visit_str<E>(self, s: &str) -> ::std::result::Result<$name, E>
                    where
                        E: $crate::wire_enum::__serde::de::Error,
                    {
                        ::std::result::Result::Ok($name::from_wire(s))
                    }

                    fn visit_borrowed_str<E>(self, s: &'de str) -> ::std::result::Result<$name, E>
                    where
                        E: $crate::wire_enum::__serde::de::Error,
                    {
                        ::std::result::Result::Ok($name::from_wire(s))
                    }

                    fn visit_string<E>(
                        self,
                        s: ::std::string::String,
                    ) -> ::std::result::Result<$name, E>
                    where
                        E: $crate::wire_enum::__serde::de::Error,
                    {
                        ::std::result::Result::Ok($name::from(s))
                    }
                }

                deserializer.deserialize_str(Visit)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::wire_enum! {
        /// A status, for the tests.
        Status {
            /// `pending`.
            Pending = "pending",
            /// `paid`.
            Paid = "paid",
            /// `refunded`.
            Refunded = "refunded",
        }
    }

    /// Every documented value and two unknown ones (one with a JSON escape) go through
    /// serde_json and back unchanged. Expected values: the wire strings written in the
    /// invocation above, and the input text itself for the unknown ones.
    #[test]
    fn serde_json_round_trips_known_and_unknown_values() {
        let cases: &[(&str, &str, Status)] = &[
            ("pending", r#""pending""#, Status::Pending),
            ("paid", r#""paid""#, Status::Paid),
            ("refunded", r#""refunded""#, Status::Refunded),
            ("unknown", r#""on_hold""#, Status::Other("on_hold".into())),
            ("case kept", r#""PAID""#, Status::Other("PAID".into())),
            (
                "escaped",
                r#""on\u005fhold""#,
                Status::Other("on_hold".into()),
            ),
            ("escaped known", r#""pa\u0069d""#, Status::Paid),
        ];
        for (name, json, want) in cases {
            let got: Status = serde_json::from_str(json).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(&got, want, "{name}: from_str");
            let from_value: Status =
                serde_json::from_value(serde_json::from_str(json).unwrap()).unwrap();
            assert_eq!(&from_value, want, "{name}: from_value (owned String)");
            let out = serde_json::to_string(&got).unwrap();
            let back: Status = serde_json::from_str(&out).unwrap();
            assert_eq!(&back, want, "{name}: round trip through {out}");
            assert_eq!(
                got.to_string(),
                got.as_str(),
                "{name}: Display is the wire form"
            );
            assert_eq!(
                out,
                serde_json::to_string(got.as_str()).unwrap(),
                "{name}: Serialize is the wire form as a JSON string"
            );
        }
        assert!(
            serde_json::from_str::<Status>("3").is_err(),
            "a number is no status"
        );
    }

    /// A deserializer that hands over only a borrowed `&str` and fails on any other request,
    /// so the decode of a known value is shown to go `visit_borrowed_str` → variant, with no
    /// owned string anywhere on the path (serde's `String` visitor would reject this input).
    struct BorrowedOnly<'a>(&'a str);

    impl<'de> serde::Deserializer<'de> for BorrowedOnly<'de> {
        type Error = serde::de::value::Error;

        fn deserialize_any<V: serde::de::Visitor<'de>>(
            self,
            v: V,
        ) -> Result<V::Value, Self::Error> {
            v.visit_borrowed_str(self.0)
        }

        fn deserialize_string<V: serde::de::Visitor<'de>>(
            self,
            _: V,
        ) -> Result<V::Value, Self::Error> {
            Err(serde::de::Error::custom("asked for an owned String"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map struct enum identifier ignored_any
        }
    }

    #[test]
    fn known_value_decodes_from_borrowed_input_without_an_owned_string() {
        use serde::Deserialize as _;
        let input = String::from("paid");
        let got = Status::deserialize(BorrowedOnly(&input)).expect("a borrowed &str is enough");
        assert_eq!(got, Status::Paid);
        // Borrowed from the JSON text too: serde_json hands `visit_borrowed_str` the input.
        let json = String::from(r#"["refunded","pending"]"#);
        let got: Vec<Status> = serde_json::from_str(&json).unwrap();
        assert_eq!(got, [Status::Refunded, Status::Pending]);
        // An unknown value is the one case that copies the text.
        let got = Status::deserialize(BorrowedOnly("on_hold")).unwrap();
        assert_eq!(got, Status::Other("on_hold".into()));
    }

    #[test]
    fn conversions_agree_with_the_wire_form() {
        for v in Status::ALL {
            assert_eq!(Status::from_wire(v.as_str()), *v, "{v}");
            assert_eq!(v.as_str().parse::<Status>(), Ok(v.clone()), "{v}");
            assert_eq!(Status::from(String::from(v.clone())), *v, "{v}");
        }
        assert_eq!(String::from(Status::Other("x".into())), "x");
        assert_eq!(Status::ALL.len(), 3);
    }
}
