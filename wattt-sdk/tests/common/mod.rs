//! Shared test helpers: an independent `sign` implementation, the spec, schema validation.
#![allow(dead_code)]

use md5::{Digest, Md5};
use serde_json::{Map, Value};

pub const UID: &str = "ABCDE";
pub const SECRET: &str = "test-secret-Zq9";

/// The spec kept in the crate.
pub fn spec() -> Value {
    let text = include_str!("../../spec/wattt-merchant.openapi.json");
    serde_json::from_str(text).expect("spec is JSON")
}

/// Written here from DESIGN.md's "Wattt sign" text, independently of sign-core: scalar,
/// non-empty top-level fields except `sign`, numbers as written, sorted by key bytes,
/// `k=v&…&key=SECRET`, md5, lowercase hex.
pub fn expected_sign(fields: &Map<String, Value>, secret: &str) -> String {
    let mut pairs: Vec<(String, String)> = fields
        .iter()
        .filter(|(k, _)| k.as_str() != "sign")
        .filter_map(|(k, v)| {
            let t = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return None,
            };
            (!t.is_empty()).then(|| (k.clone(), t))
        })
        .collect();
    pairs.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut base = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    if !base.is_empty() {
        base.push('&');
    }
    base.push_str("key=");
    base.push_str(secret);
    hex::encode(Md5::digest(base.as_bytes()))
}

/// Validate `instance` against `#/components/schemas/<name>` of the spec.
pub fn validate_against(schema_name: &str, instance: &Value) -> Result<(), String> {
    let spec = spec();
    let schema = serde_json::json!({
        "$ref": format!("#/components/schemas/{schema_name}"),
        "components": spec["components"],
    });
    let validator = jsonschema::validator_for(&schema).map_err(|e| e.to_string())?;
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

/// The request schema name of an operation (from the spec's requestBody `$ref`).
pub fn request_schema(method: &str, path: &str) -> Option<String> {
    let spec = spec();
    let r = spec["paths"][path][method.to_lowercase()]["requestBody"]["content"]
        ["application/json"]["schema"]["$ref"]
        .as_str()?
        .to_string();
    r.rsplit('/').next().map(str::to_string)
}

/// Build an instance from the `example`s of a schema (objects recursively).
pub fn example_of(schema: &Value, spec: &Value) -> Value {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or_default();
        return example_of(&spec["components"]["schemas"][name], spec);
    }
    if let Some(e) = schema.get("example") {
        return e.clone();
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        let mut m = Map::new();
        for (k, s) in props {
            let v = example_of(s, spec);
            if !v.is_null() {
                m.insert(k.clone(), v);
            }
        }
        return Value::Object(m);
    }
    Value::Null
}
