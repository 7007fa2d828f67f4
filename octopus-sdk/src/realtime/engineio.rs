//! The wire format: Engine.IO v4 packets over websocket text frames, each
//! carrying at most one Socket.IO v5 packet (the protocol of Socket.IO v4
//! servers).
//!
//! Pure functions only, so every frame a server might send can be fed to
//! [`parse`] in a unit test. Over a websocket, Engine.IO sends one packet per
//! frame (the `\x1e` batching is for HTTP long-polling, which this client
//! never uses).
//!
//! References: <https://socket.io/docs/v4/engine-io-protocol/> and
//! <https://socket.io/docs/v4/socket-io-protocol/>.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;
use serde_json::value::RawValue;

/// The query that selects Engine.IO v4 over a websocket from the first byte.
pub(crate) const QUERY: &str = "EIO=4&transport=websocket";

/// Engine.IO `pong`, the answer to a server `ping`.
pub(crate) const PONG: &str = "3";

/// Heartbeat bounds are clamped to this, so that adding them to an `Instant`
/// can never overflow whatever a server announces.
const MAX_HEARTBEAT: Duration = Duration::from_secs(3600);

/// One packet from the server.
#[derive(Debug)]
pub(crate) enum Packet {
    /// Engine.IO `open`: the heartbeat the server will keep.
    Open {
        /// How often the server pings.
        ping_interval: Duration,
        /// How long past an interval a ping may be late before the transport
        /// counts as dead.
        ping_timeout: Duration,
    },
    /// Engine.IO `close`.
    Close,
    /// Engine.IO `ping` (to be answered with [`PONG`]).
    Ping,
    /// Socket.IO `CONNECT` acknowledged for a namespace.
    Connect {
        /// The namespace (`/` by default).
        namespace: String,
    },
    /// Socket.IO `CONNECT_ERROR`: the server refused the namespace.
    ConnectError {
        /// The namespace.
        namespace: String,
        /// The server's reason, as sent.
        message: String,
    },
    /// Socket.IO `DISCONNECT`: the server closed the namespace.
    Disconnect {
        /// The namespace.
        namespace: String,
    },
    /// Socket.IO `EVENT`.
    Event {
        /// The namespace.
        namespace: String,
        /// Event name (the first array element).
        name: String,
        /// The remaining elements, as raw JSON text so money stays exact.
        args: Vec<Box<RawValue>>,
    },
    /// A well-formed packet this client has no use for (pong, noop, upgrade,
    /// acks, binary events whose attachments are not read).
    Ignored,
}

// For tests, by hand: `RawValue` has no `PartialEq`; its text (in `Debug`) is what is compared.
#[cfg(test)]
impl PartialEq for Packet {
    fn eq(&self, other: &Self) -> bool {
        format!("{self:?}") == format!("{other:?}")
    }
}

/// Why a frame was not understood. Carries no frame content: frames can be
/// large and are the server's, not ours to echo into logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseError(&'static str);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed Engine.IO frame: {}", self.0)
    }
}

impl std::error::Error for ParseError {}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OpenData {
    ping_interval: u64,
    ping_timeout: u64,
}

#[derive(Deserialize)]
struct ErrorData {
    message: String,
}

/// Parses one websocket text frame. Never panics, whatever the input.
pub(crate) fn parse(frame: &str) -> Result<Packet, ParseError> {
    let mut chars = frame.chars();
    let kind = chars.next().ok_or(ParseError("empty frame"))?;
    let rest = chars.as_str();
    match kind {
        '0' => {
            let open: OpenData =
                serde_json::from_str(rest).map_err(|_| ParseError("open packet data"))?;
            Ok(Packet::Open {
                ping_interval: Duration::from_millis(open.ping_interval).min(MAX_HEARTBEAT),
                ping_timeout: Duration::from_millis(open.ping_timeout).min(MAX_HEARTBEAT),
            })
        }
        '1' => Ok(Packet::Close),
        '2' => Ok(Packet::Ping),
        '3' | '5' | '6' => Ok(Packet::Ignored),
        '4' => parse_socketio(rest),
        _ => Err(ParseError("unknown Engine.IO packet type")),
    }
}

fn parse_socketio(packet: &str) -> Result<Packet, ParseError> {
    let mut chars = packet.chars();
    let kind = chars.next().ok_or(ParseError("empty Socket.IO packet"))?;
    let mut rest = chars.as_str();
    if matches!(kind, '5' | '6') {
        // BINARY_EVENT / BINARY_ACK: `<attachments>-` precedes the rest.
        let dash = rest
            .find('-')
            .ok_or(ParseError("binary packet without attachment count"))?;
        if dash == 0 || !rest[..dash].bytes().all(|b| b.is_ascii_digit()) {
            return Err(ParseError("binary attachment count"));
        }
        rest = &rest[dash + 1..];
    }
    let namespace = if rest.starts_with('/') {
        match rest.find(',') {
            Some(comma) => {
                let ns = &rest[..comma];
                rest = &rest[comma + 1..];
                ns
            }
            None => std::mem::take(&mut rest),
        }
    } else {
        "/"
    }
    .to_owned();
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    // The ack id only matters to acks, which this client never asks for.
    let data = &rest[digits..];
    match kind {
        '0' => Ok(Packet::Connect { namespace }),
        '1' => Ok(Packet::Disconnect { namespace }),
        '2' => {
            let mut items: Vec<Box<RawValue>> =
                serde_json::from_str(data).map_err(|_| ParseError("event data is not an array"))?;
            if items.is_empty() {
                return Err(ParseError("event without a name"));
            }
            let first = items.remove(0);
            let name: String = serde_json::from_str(first.get())
                .map_err(|_| ParseError("event name is not a string"))?;
            Ok(Packet::Event {
                namespace,
                name,
                args: items,
            })
        }
        '4' => {
            // Socket.IO v4 sends `{"message": ..}`; v2 servers a bare string.
            let message = serde_json::from_str::<ErrorData>(data)
                .map(|e| e.message)
                .or_else(|_| serde_json::from_str::<String>(data))
                .unwrap_or_else(|_| "no reason given".to_owned());
            Ok(Packet::ConnectError { namespace, message })
        }
        '3' | '5' | '6' => Ok(Packet::Ignored),
        _ => Err(ParseError("unknown Socket.IO packet type")),
    }
}

/// `<namespace>,` for a namespace other than `/`, which goes unnamed.
fn prefix(namespace: &str) -> String {
    if namespace == "/" || namespace.is_empty() {
        String::new()
    } else {
        format!("{namespace},")
    }
}

/// The Socket.IO `CONNECT` for `namespace` (no auth payload).
pub(crate) fn connect(namespace: &str) -> String {
    format!("40{}", prefix(namespace))
}

/// The Socket.IO `DISCONNECT` for `namespace`.
pub(crate) fn disconnect(namespace: &str) -> String {
    format!("41{}", prefix(namespace))
}

/// An event with one string argument. The argument is always a JSON string,
/// so an id such as `"12345"` is never sent as a number.
pub(crate) fn event_with_id(namespace: &str, event: &str, id: &str) -> String {
    // Serializing two `&str` cannot fail; the fallback only keeps this total.
    let body = serde_json::to_string(&(event, id)).unwrap_or_default();
    format!("42{}{body}", prefix(namespace))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn args_text(p: &Packet) -> Vec<String> {
        match p {
            Packet::Event { args, .. } => args.iter().map(|a| a.get().to_owned()).collect(),
            _ => vec![],
        }
    }

    // Expected values below are the examples of the Engine.IO v4 and
    // Socket.IO v5 protocol pages linked in the module docs.
    #[test]
    fn parses_the_protocol_examples() {
        assert_eq!(
            parse(
                r#"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#
            ),
            Ok(Packet::Open {
                ping_interval: Duration::from_millis(25000),
                ping_timeout: Duration::from_millis(20000)
            })
        );
        assert_eq!(parse("2"), Ok(Packet::Ping));
        assert_eq!(parse("1"), Ok(Packet::Close));
        assert_eq!(parse("6"), Ok(Packet::Ignored));
        assert_eq!(
            parse(r#"40{"sid":"wZX3oN0bSVIhsaknAAAI"}"#),
            Ok(Packet::Connect {
                namespace: "/".into()
            })
        );
        assert_eq!(
            parse(r#"40/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}"#),
            Ok(Packet::Connect {
                namespace: "/admin".into()
            })
        );
        assert_eq!(
            parse(r#"44{"message":"Not authorized"}"#),
            Ok(Packet::ConnectError {
                namespace: "/".into(),
                message: "Not authorized".into()
            })
        );
        assert_eq!(
            parse("41/admin,"),
            Ok(Packet::Disconnect {
                namespace: "/admin".into()
            })
        );
        let p = parse(r#"42/admin,13["project:delete",123]"#).unwrap();
        assert!(
            matches!(&p, Packet::Event { namespace, name, .. } if namespace == "/admin" && name == "project:delete")
        );
        assert_eq!(args_text(&p), ["123"]);
        assert_eq!(
            parse(r#"451-["hello",{"_placeholder":true,"num":0}]"#),
            Ok(Packet::Ignored)
        );
    }

    #[test]
    fn amounts_keep_their_exact_text() {
        // `100.10` through f64 would come back as `100.1`.
        let p =
            parse(r#"42["paymentUpdate",{"paymentId":"p","status":"completed","amount":100.10}]"#)
                .unwrap();
        assert_eq!(
            args_text(&p),
            [r#"{"paymentId":"p","status":"completed","amount":100.10}"#]
        );
    }

    #[test]
    fn encodes_what_socket_io_servers_expect() {
        // Forms from the Socket.IO v5 protocol page.
        assert_eq!(connect("/"), "40");
        assert_eq!(connect("/admin"), "40/admin,");
        assert_eq!(disconnect("/"), "41");
        assert_eq!(
            event_with_id("/", "joinPaymentRoom", "12345"),
            r#"42["joinPaymentRoom","12345"]"#
        );
        assert_eq!(
            event_with_id("/admin", "leavePaymentRoom", "a\"b"),
            r#"42/admin,["leavePaymentRoom","a\"b"]"#
        );
    }

    #[test]
    fn refuses_malformed_frames() {
        for bad in [
            "",
            "0",
            "0{}",
            r#"0{"pingInterval":-1,"pingTimeout":1}"#,
            "4",
            "42",
            "42[]",
            "42[1]",
            "42{",
            "45-[]",
            "45x-[]",
            "49",
            "x",
            "é",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} parsed");
        }
        // Huge heartbeats are clamped, not overflowed.
        assert_eq!(
            parse(r#"0{"pingInterval":18446744073709551615,"pingTimeout":18446744073709551615}"#),
            Ok(Packet::Open {
                ping_interval: MAX_HEARTBEAT,
                ping_timeout: MAX_HEARTBEAT
            })
        );
    }

    const SEEDS: &[&str] = &[
        r#"0{"sid":"a","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#,
        r#"40{"sid":"b"}"#,
        r#"40/admin,{"sid":"b"}"#,
        r#"44{"message":"no"}"#,
        r#"42["paymentUpdate",{"paymentId":"p","status":"completed","amount":100.10}]"#,
        r#"42/x,7["orderUpdate",{"orderId":"o","status":"paid"}]"#,
        r#"452-/x,3["e",{"_placeholder":true,"num":0}]"#,
        "2",
        "41",
    ];

    fn mutate(seed: &str, edits: &[(usize, u8, u8)]) -> String {
        let mut bytes = seed.as_bytes().to_vec();
        for &(pos, op, byte) in edits {
            let at = if bytes.is_empty() {
                0
            } else {
                pos % (bytes.len() + 1)
            };
            match op % 3 {
                0 if at < bytes.len() => bytes[at] = byte,
                1 => bytes.insert(at, byte),
                _ if at < bytes.len() => {
                    bytes.remove(at);
                }
                _ => bytes.push(byte),
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn random_frames_never_panic(frame in any::<String>()) {
            let _ = parse(&frame);
            let _ = parse(&format!("42{frame}"));
            let _ = parse(&format!("0{frame}"));
        }

        #[test]
        fn mutated_frames_never_panic(
            seed in 0..SEEDS.len(),
            edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..8),
        ) {
            let frame = mutate(SEEDS[seed], &edits);
            if let Ok(Packet::Event { name, args, .. }) = parse(&frame) {
                // The event decoder must be total too.
                let _ = super::super::decode(&name, &args);
            }
        }
    }
}
