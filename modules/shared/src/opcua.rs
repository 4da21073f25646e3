//! The `opc-ua` map: flattens `{Tag: {"Value": v, "SourceTimestamp": ts}, …}` into
//! database-friendly rows `[{"tag","timestamp","value"}, …]`.
use serde_json::{Map, Value};

/// Graph parameters `dataschema`, `headers` (`"hdr1=col1;hdr2=col2"`) and `copy_all`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OpcUaConfig {
    pub dataschema: Option<String>,
    /// (user-property key, column name) pairs.
    pub headers: Vec<(String, String)>,
    pub copy_all: bool,
}

impl OpcUaConfig {
    /// Unknown keys are ignored; `copy_all` is true only for `true` (any case).
    pub fn from_properties(props: &[(String, String)]) -> OpcUaConfig {
        let mut c = OpcUaConfig::default();
        for (k, v) in props {
            match k.as_str() {
                "dataschema" => c.dataschema = Some(v.clone()),
                "headers" => c.headers = parse_headers(v),
                "copy_all" => c.copy_all = v.trim().eq_ignore_ascii_case("true"),
                _ => {}
            }
        }
        c
    }
}

/// `"hdr1=col1;hdr2=col2"` -> [(hdr1, col1), (hdr2, col2)]. Entries are trimmed; an entry
/// without `=` uses the header name as column name; empty entries are skipped.
pub fn parse_headers(text: &str) -> Vec<(String, String)> {
    text.split(';')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|e| match e.split_once('=') {
            Some((h, c)) => (h.trim().to_string(), c.trim().to_string()),
            None => (e.to_string(), e.to_string()),
        })
        .filter(|(h, c)| !h.is_empty() && !c.is_empty())
        .collect()
}

/// Rows sorted by tag name, keys sorted alphabetically (serde_json's default map is ordered).
/// `user_properties` are the message's (key, value) pairs, used for `headers` columns.
pub fn flatten(
    payload: &[u8],
    config: &OpcUaConfig,
    user_properties: &[(String, String)],
) -> Result<Vec<u8>, String> {
    let value: Value = serde_json::from_slice(payload)
        .map_err(|e| format!("Failed to deserialize json object. Reason: {e}"))?;
    let Value::Object(entries) = value else {
        return Ok(b"[]".to_vec());
    };
    let mut tags = Vec::new();
    let mut enrichment = Map::new();
    for (name, entry) in entries {
        match &entry {
            Value::Object(o) if o.contains_key("Value") && o.contains_key("SourceTimestamp") => {
                tags.push((name, o["Value"].clone(), o["SourceTimestamp"].clone()));
            }
            _ => {
                enrichment.insert(name, entry);
            }
        }
    }
    let mut columns = Map::new();
    for (key, value) in user_properties {
        for (header, column) in &config.headers {
            if header == key {
                columns.insert(column.clone(), Value::String(value.clone()));
            }
        }
    }
    let rows: Vec<Value> = tags
        .into_iter()
        .map(|(tag, value, timestamp)| {
            let mut row = Map::new();
            row.insert("tag".into(), Value::String(tag));
            row.insert("timestamp".into(), timestamp);
            row.insert("value".into(), value);
            if config.copy_all {
                row.extend(enrichment.clone());
            }
            row.extend(columns.clone());
            Value::Object(row)
        })
        .collect();
    serde_json::to_vec(&rows).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(input: &str, config: &OpcUaConfig, props: &[(&str, &str)]) -> String {
        let props: Vec<(String, String)> = props
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        String::from_utf8(flatten(input.as_bytes(), config, &props).unwrap()).unwrap()
    }

    #[test]
    fn t04_basic_flatten() {
        let input = r#"{"Temperature":{"Value":23.5,"SourceTimestamp":"2026-01-01T00:00:00Z"},"Pressure":{"Value":101.3,"SourceTimestamp":"2026-01-01T00:00:00Z"}}"#;
        assert_eq!(
            run(input, &OpcUaConfig::default(), &[]),
            r#"[{"tag":"Pressure","timestamp":"2026-01-01T00:00:00Z","value":101.3},{"tag":"Temperature","timestamp":"2026-01-01T00:00:00Z","value":23.5}]"#
        );
    }

    #[test]
    fn t05_missing_fields() {
        let input = r#"{"GoodTag":{"Value":100,"SourceTimestamp":"2026-01-01T00:00:00Z"},"MissingValue":{"SourceTimestamp":"2026-01-01T00:00:00Z"},"MissingTimestamp":{"Value":42},"NotAnObject":1234}"#;
        assert_eq!(
            run(input, &OpcUaConfig::default(), &[]),
            r#"[{"tag":"GoodTag","timestamp":"2026-01-01T00:00:00Z","value":100}]"#
        );
    }

    #[test]
    fn t06_multi_tag() {
        let input = r#"{"MotorSpeed":{"Value":1500,"SourceTimestamp":"2026-03-15T10:30:00Z"},"Vibration":{"Value":0.45,"SourceTimestamp":"2026-03-15T10:30:00Z"},"AmbientTemp":{"Value":22.1,"SourceTimestamp":"2026-03-15T10:30:00Z"}}"#;
        assert_eq!(
            run(input, &OpcUaConfig::default(), &[]),
            r#"[{"tag":"AmbientTemp","timestamp":"2026-03-15T10:30:00Z","value":22.1},{"tag":"MotorSpeed","timestamp":"2026-03-15T10:30:00Z","value":1500},{"tag":"Vibration","timestamp":"2026-03-15T10:30:00Z","value":0.45}]"#
        );
    }

    #[test]
    fn t06b_copy_all() {
        let input = r#"{"Tag1":{"Value":100,"SourceTimestamp":"t1"},"Tag2":{"Value":200,"SourceTimestamp":"t2"},"NonTag1":{"Other":1},"NonTag2":123}"#;
        let config = OpcUaConfig::from_properties(&[("copy_all".into(), "true".into())]);
        assert_eq!(
            run(input, &config, &[]),
            r#"[{"NonTag1":{"Other":1},"NonTag2":123,"tag":"Tag1","timestamp":"t1","value":100},{"NonTag1":{"Other":1},"NonTag2":123,"tag":"Tag2","timestamp":"t2","value":200}]"#
        );
        let off = OpcUaConfig::from_properties(&[("copy_all".into(), "false".into())]);
        assert!(!run(input, &off, &[]).contains("NonTag1"));
    }

    #[test]
    fn t06c_headers() {
        let input = r#"{"Tag1":{"Value":1,"SourceTimestamp":"t1"}}"#;
        let config = OpcUaConfig::from_properties(&[("headers".into(), "src=source".into())]);
        assert_eq!(
            run(input, &config, &[("src", "GB"), ("other", "x")]),
            r#"[{"source":"GB","tag":"Tag1","timestamp":"t1","value":1}]"#
        );
        assert_eq!(
            parse_headers(" a = b ;c;; =x"),
            vec![("a".into(), "b".into()), ("c".into(), "c".into())]
        );
    }

    #[test]
    fn non_object_and_invalid() {
        assert_eq!(run("[1,2]", &OpcUaConfig::default(), &[]), "[]");
        assert_eq!(run("{}", &OpcUaConfig::default(), &[]), "[]");
        let e = flatten(b"{", &OpcUaConfig::default(), &[]).unwrap_err();
        assert!(
            e.starts_with("Failed to deserialize json object. Reason: "),
            "{e}"
        );
    }
}
