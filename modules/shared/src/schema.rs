//! The schema-registry scenario's `filter`: passes a payload iff it is JSON that
//! validates against the JSON Schema the module received at init (`module-schemas[0]`).
//!
//! A small draft-07 validator written for this fixture, not a full implementation: it checks
//! `type`, `enum`, `const`, `properties`, `required`, `additionalProperties`,
//! `patternProperties` (keys only compared literally: no regex engine), `items` (one schema or
//! a tuple), `additionalItems`, `minItems`/`maxItems`, `uniqueItems`, `minLength`/`maxLength`,
//! `minimum`/`maximum`/`exclusiveMinimum`/`exclusiveMaximum`/`multipleOf`,
//! `minProperties`/`maxProperties`, `allOf`/`anyOf`/`oneOf`/`not`, `if`/`then`/`else`, and
//! `$ref`s to `#` or `#/definitions/<name>` inside the same document. Other keywords (`format`,
//! `pattern`, remote `$ref`s…) are ignored, as AIO's local validation ignores "uncommon
//! keywords".
use serde_json::{Map, Value};

#[derive(Debug, Clone)]
pub struct Schema {
    root: Value,
}

impl Schema {
    /// Parses the schema text; it must be a JSON object or boolean.
    pub fn compile(text: &str) -> Result<Schema, String> {
        let root: Value =
            serde_json::from_str(text).map_err(|e| format!("schema is not JSON: {e}"))?;
        match root {
            Value::Object(_) | Value::Bool(_) => Ok(Schema { root }),
            _ => Err("schema must be a JSON object or boolean".into()),
        }
    }

    /// True iff `payload` is JSON and valid.
    pub fn accepts(&self, payload: &[u8]) -> bool {
        serde_json::from_slice::<Value>(payload).is_ok_and(|v| self.is_valid(&v))
    }

    pub fn is_valid(&self, value: &Value) -> bool {
        valid(&self.root, &self.root, value, 0)
    }
}

const MAX_DEPTH: usize = 64;

fn type_matches(name: &str, v: &Value) -> bool {
    match name {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "number" => v.is_number(),
        // Draft 6+: a number with a zero fractional part is an integer (1.0 is one).
        "integer" => {
            v.is_i64()
                || v.is_u64()
                || v.as_f64()
                    .is_some_and(|f| f.is_finite() && f.fract() == 0.0)
        }
        _ => false,
    }
}

fn num_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| num_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, a)| y.get(k).is_some_and(|b| num_eq(a, b)))
        }
        _ => a == b,
    }
}

fn resolve<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    if pointer.is_empty() {
        Some(root)
    } else {
        root.pointer(pointer)
    }
}

fn valid(root: &Value, schema: &Value, v: &Value, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    let s: &Map<String, Value> = match schema {
        Value::Bool(b) => return *b,
        Value::Object(o) => o,
        _ => return true,
    };
    let sub = |schema: &Value, v: &Value| valid(root, schema, v, depth + 1);
    if let Some(Value::String(r)) = s.get("$ref") {
        // Draft 7: $ref overrides sibling keywords.
        return resolve(root, r).is_none_or(|target| sub(target, v));
    }
    match s.get("type") {
        Some(Value::String(t)) if !type_matches(t, v) => return false,
        Some(Value::Array(ts))
            if !ts
                .iter()
                .any(|t| t.as_str().is_some_and(|t| type_matches(t, v))) =>
        {
            return false
        }
        _ => {}
    }
    if let Some(Value::Array(options)) = s.get("enum") {
        if !options.iter().any(|o| num_eq(o, v)) {
            return false;
        }
    }
    if let Some(c) = s.get("const") {
        if !num_eq(c, v) {
            return false;
        }
    }
    let num = |k: &str| s.get(k).and_then(Value::as_f64);
    let count = |k: &str| s.get(k).and_then(Value::as_u64).map(|n| n as usize);
    if let Some(x) = v.as_f64().filter(|_| v.is_number()) {
        let checks = [
            num("minimum").is_none_or(|m| x >= m),
            num("maximum").is_none_or(|m| x <= m),
            num("exclusiveMinimum").is_none_or(|m| x > m),
            num("exclusiveMaximum").is_none_or(|m| x < m),
            num("multipleOf").is_none_or(|m| m <= 0.0 || (x / m).fract() == 0.0),
        ];
        if checks.contains(&false) {
            return false;
        }
    }
    if let Value::String(text) = v {
        let len = text.chars().count();
        if count("minLength").is_some_and(|m| len < m)
            || count("maxLength").is_some_and(|m| len > m)
        {
            return false;
        }
    }
    if let Value::Array(items) = v {
        if count("minItems").is_some_and(|m| items.len() < m)
            || count("maxItems").is_some_and(|m| items.len() > m)
        {
            return false;
        }
        if s.get("uniqueItems") == Some(&Value::Bool(true))
            && items
                .iter()
                .enumerate()
                .any(|(i, a)| items[i + 1..].iter().any(|b| num_eq(a, b)))
        {
            return false;
        }
        match s.get("items") {
            Some(Value::Array(tuple)) => {
                if !items.iter().zip(tuple).all(|(item, sch)| sub(sch, item)) {
                    return false;
                }
                if let Some(extra) = s.get("additionalItems") {
                    if !items.iter().skip(tuple.len()).all(|item| sub(extra, item)) {
                        return false;
                    }
                }
            }
            Some(one) if !items.iter().all(|item| sub(one, item)) => return false,
            _ => {}
        }
    }
    if let Value::Object(obj) = v {
        if count("minProperties").is_some_and(|m| obj.len() < m)
            || count("maxProperties").is_some_and(|m| obj.len() > m)
        {
            return false;
        }
        if let Some(Value::Array(required)) = s.get("required") {
            if !required
                .iter()
                .all(|k| k.as_str().is_some_and(|k| obj.contains_key(k)))
            {
                return false;
            }
        }
        let props = s.get("properties").and_then(Value::as_object);
        let patterns = s.get("patternProperties").and_then(Value::as_object);
        for (key, value) in obj {
            let mut matched = false;
            if let Some(sch) = props.and_then(|p| p.get(key)) {
                matched = true;
                if !sub(sch, value) {
                    return false;
                }
            }
            if let Some(sch) = patterns.and_then(|p| p.get(key)) {
                matched = true;
                if !sub(sch, value) {
                    return false;
                }
            }
            if !matched {
                if let Some(extra) = s.get("additionalProperties") {
                    if !sub(extra, value) {
                        return false;
                    }
                }
            }
        }
    }
    if let Some(Value::Array(all)) = s.get("allOf") {
        if !all.iter().all(|sch| sub(sch, v)) {
            return false;
        }
    }
    if let Some(Value::Array(any)) = s.get("anyOf") {
        if !any.iter().any(|sch| sub(sch, v)) {
            return false;
        }
    }
    if let Some(Value::Array(one)) = s.get("oneOf") {
        if one.iter().filter(|sch| sub(sch, v)).count() != 1 {
            return false;
        }
    }
    if let Some(not) = s.get("not") {
        if sub(not, v) {
            return false;
        }
    }
    if let Some(cond) = s.get("if") {
        let branch = if sub(cond, v) {
            s.get("then")
        } else {
            s.get("else")
        };
        if branch.is_some_and(|sch| !sub(sch, v)) {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    // The scenario's tk_schema_config.json.
    const SCENARIO: &str = r#"{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"humidity":{"type":"integer"},"temperature":{"type":"number"}}}"#;

    #[test]
    fn t08_t09_t10_scenario() {
        let s = Schema::compile(SCENARIO).unwrap();
        assert!(s.accepts(br#"{"humidity":175,"temperature":12.5}"#), "T08");
        assert!(!s.accepts(br#"{"humidity":175.1,"temperature":12}"#), "T09");
        // T10: the scenario's three payloads; only the third passes.
        assert!(!s.accepts(br#"{"humidity":175.1,"temperature":12}"#));
        assert!(!s.accepts(br#"{"humidity":176.2}"#));
        assert!(s.accepts(br#"{"humidity":175,"temperature":12.5}"#));
        assert!(!s.accepts(br#"{"humidity":"high"}"#));
        assert!(!s.accepts(b"not json"));
        assert!(!s.accepts(b"[1]"));
        assert!(
            s.accepts(br#"{"humidity":175.0}"#),
            "1.0 is an integer in draft 7"
        );
        assert!(s.accepts(br#"{"other":"x"}"#));
    }

    #[test]
    fn compile_errors() {
        assert!(Schema::compile("{").is_err());
        assert!(Schema::compile("[1]").is_err());
        assert!(Schema::compile("true").unwrap().accepts(b"1"));
        assert!(!Schema::compile("false").unwrap().accepts(b"1"));
    }

    #[test]
    fn keywords() {
        let s = Schema::compile(
            r##"{"definitions":{"pos":{"type":"number","exclusiveMinimum":0}},
                "type":"object","required":["a"],"additionalProperties":false,
                "properties":{"a":{"$ref":"#/definitions/pos"},
                  "b":{"type":"array","items":{"enum":["x","y"]},"uniqueItems":true,"maxItems":2},
                  "c":{"anyOf":[{"type":"string","maxLength":2},{"type":"null"}]},
                  "d":{"oneOf":[{"multipleOf":2},{"multipleOf":3}]},
                  "e":{"not":{"const":5}},
                  "f":{"if":{"type":"string"},"then":{"minLength":1},"else":{"type":"boolean"}}}}"##,
        )
        .unwrap();
        let ok = |t: &str| s.accepts(t.as_bytes());
        assert!(ok(r#"{"a":1}"#));
        assert!(!ok(r#"{}"#));
        assert!(!ok(r#"{"a":0}"#));
        assert!(!ok(r#"{"a":1,"z":1}"#));
        assert!(ok(r#"{"a":1,"b":["x","y"]}"#));
        assert!(!ok(r#"{"a":1,"b":["x","x"]}"#));
        assert!(!ok(r#"{"a":1,"b":["z"]}"#));
        assert!(ok(r#"{"a":1,"c":null}"#));
        assert!(!ok(r#"{"a":1,"c":"abc"}"#));
        assert!(ok(r#"{"a":1,"d":4}"#));
        assert!(!ok(r#"{"a":1,"d":6}"#));
        assert!(!ok(r#"{"a":1,"e":5}"#));
        assert!(ok(r#"{"a":1,"f":true}"#));
        assert!(!ok(r#"{"a":1,"f":""}"#));
        assert!(!ok(r#"{"a":1,"f":3}"#));
    }
}
