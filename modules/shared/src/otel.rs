//! The OpenTelemetry pair: `otel-enrich` adds state-store values as `otel/<key>` user
//! properties; `otel-transform` turns a JSON payload into `{"metrics":[…]}` using those
//! properties as metric attributes.
use serde::Serialize;
use serde_json::Value;

use crate::kv::Kv;

pub const ATTRIBUTE_PREFIX: &str = "otel/";
pub const OUTPUT_TOPIC: &str = "sensors";

/// `enrichKeys`: comma separated state-store keys, trimmed, empty entries skipped.
pub fn parse_enrich_keys(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(String::from)
        .collect()
}

/// The user properties to append, in key order: `("otel/<key>", value as lossy UTF-8)` for
/// every key the store has. Missing keys are skipped; errors are skipped and reported.
pub fn enrich_properties<K: Kv>(
    keys: &[String],
    kv: &mut K,
) -> (Vec<(String, String)>, Vec<String>) {
    let mut props = Vec::new();
    let mut warnings = Vec::new();
    for key in keys {
        match kv.get(key) {
            Ok(Some(value)) => props.push((
                format!("{ATTRIBUTE_PREFIX}{key}"),
                String::from_utf8_lossy(&value).into_owned(),
            )),
            Ok(None) => {}
            Err(e) => warnings.push(format!("get {key}: {e}")),
        }
    }
    (props, warnings)
}

/// otel-transform's graph parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TransformConfig {
    pub metric_name: Option<String>,
    pub metric_name_path: Option<String>,
    pub metric_value_path: Option<String>,
    pub metric_type: Option<String>,
    pub metric_units: Option<String>,
    pub metric_timestamp_path: Option<String>,
}

pub const DEFAULT_METRIC_TYPE: &str = "type-placeholder";
pub const NAME_PLACEHOLDER: &str = "wasm-placeholder";

impl TransformConfig {
    pub fn from_properties(props: &[(String, String)]) -> TransformConfig {
        let mut c = TransformConfig::default();
        for (k, v) in props {
            let slot = match k.as_str() {
                "metricName" => &mut c.metric_name,
                "metricNamePath" => &mut c.metric_name_path,
                "metricValuePath" => &mut c.metric_value_path,
                "metricType" => &mut c.metric_type,
                "metricUnits" => &mut c.metric_units,
                "metricTimestampPath" => &mut c.metric_timestamp_path,
                _ => continue,
            };
            *slot = Some(v.clone());
        }
        c
    }
}

#[derive(Debug, Serialize)]
struct Metrics {
    metrics: Vec<Metric>,
}

#[derive(Debug, Serialize)]
struct Metric {
    name: String,
    value: f64,
    metric_type: String,
    unit: Option<String>,
    timestamp: Option<i64>,
    attributes: Option<Vec<Attribute>>,
}

#[derive(Debug, Serialize)]
struct Attribute {
    key: String,
    value: String,
}

/// The value at a dot path (`a.b.c`; a numeric segment also indexes an array).
pub fn at_path<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(root, |v, seg| match v {
        Value::Object(o) => o.get(seg),
        Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

/// RFC 3339 text -> nanoseconds since the epoch; unparsable or out of the i64 range -> 0.
pub fn rfc3339_nanos(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .and_then(|t| t.timestamp_nanos_opt())
        .unwrap_or(0)
}

/// Builds the metrics payload. `Ok(None)` = the payload is not JSON: the message passes
/// unchanged. Like the sample, a missing `metricValuePath`, or neither `metricName` nor
/// `metricNamePath`, panics (a trap: the host drops the message and re-instantiates).
pub fn transform(
    payload: &[u8],
    config: &TransformConfig,
    user_properties: &[(String, String)],
    now_nanos: impl FnOnce() -> i64,
) -> Option<Vec<u8>> {
    let value_path = config
        .metric_value_path
        .as_deref()
        .expect("metricValuePath is not configured");
    if config.metric_name_path.is_none() && config.metric_name.is_none() {
        panic!("neither metricName nor metricNamePath is configured");
    }
    let json: Value = serde_json::from_slice(payload).ok()?;
    let name = match (&config.metric_name_path, &config.metric_name) {
        (Some(path), _) => at_path(&json, path)
            .and_then(Value::as_str)
            .unwrap_or(NAME_PLACEHOLDER)
            .to_string(),
        (None, Some(name)) => name.clone(),
        (None, None) => unreachable!(),
    };
    let value = at_path(&json, value_path)
        .and_then(Value::as_f64)
        .unwrap_or(0.0);
    let timestamp = match &config.metric_timestamp_path {
        Some(path) => at_path(&json, path)
            .and_then(Value::as_str)
            .map(rfc3339_nanos),
        None => Some(now_nanos()),
    };
    let attributes: Vec<Attribute> = user_properties
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix(ATTRIBUTE_PREFIX).map(|key| Attribute {
                key: key.to_string(),
                value: v.clone(),
            })
        })
        .collect();
    let metric = Metric {
        name,
        value,
        metric_type: config
            .metric_type
            .clone()
            .unwrap_or_else(|| DEFAULT_METRIC_TYPE.into()),
        unit: config.metric_units.clone(),
        timestamp,
        attributes: (!attributes.is_empty()).then_some(attributes),
    };
    serde_json::to_vec(&Metrics {
        metrics: vec![metric],
    })
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kv::{Condition, MemoryKv};

    fn props(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn seeded() -> MemoryKv {
        let mut kv = MemoryKv::default();
        for (k, v) in [("factoryId", "factoryA"), ("machineId", "machineA")] {
            kv.set(k, v.as_bytes(), None, Condition::Unconditional, None)
                .unwrap();
        }
        kv
    }

    #[test]
    fn t11_enrich_keys() {
        assert_eq!(
            parse_enrich_keys(" factoryId, ,machineId,"),
            vec!["factoryId", "machineId"]
        );
        let keys = parse_enrich_keys("factoryId,machineId,absent");
        let (p, w) = enrich_properties(&keys, &mut seeded());
        assert!(w.is_empty());
        assert_eq!(
            p,
            props(&[
                ("otel/factoryId", "factoryA"),
                ("otel/machineId", "machineA")
            ])
        );
        let mut failing = MemoryKv {
            fail: true,
            ..MemoryKv::default()
        };
        let (p, w) = enrich_properties(&keys, &mut failing);
        assert!(p.is_empty());
        assert_eq!(w.len(), 3);
    }

    #[test]
    fn t12_enriched_temperature_metric() {
        let config = TransformConfig::from_properties(&props(&[
            ("metricValuePath", "temperature.value"),
            ("metricName", "temperature"),
        ]));
        let out = transform(
            br#"{"temperature":{"value":360,"unit":"F"}}"#,
            &config,
            &props(&[
                ("otel/factoryId", "factoryA"),
                ("x", "y"),
                ("otel/machineId", "machineA"),
            ]),
            || 1_758_255_553_000_000_000,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"metrics":[{"name":"temperature","value":360.0,"metric_type":"type-placeholder","unit":null,"timestamp":1758255553000000000,"attributes":[{"key":"factoryId","value":"factoryA"},{"key":"machineId","value":"machineA"}]}]}"#
        );
    }

    #[test]
    fn t12b_paths_units_and_timestamp() {
        let config = TransformConfig::from_properties(&props(&[
            ("metricValuePath", "value"),
            ("metricNamePath", "tag"),
            ("metricTimestampPath", "timestamp"),
            ("metricUnits", "C"),
            ("metricName", "ignored"),
        ]));
        let run = |p: &str| {
            String::from_utf8(transform(p.as_bytes(), &config, &[], || panic!("no clock")).unwrap())
                .unwrap()
        };
        assert_eq!(
            run(r#"{"tag":"Temperature","value":23.5,"timestamp":"2026-01-01T00:00:00Z"}"#),
            r#"{"metrics":[{"name":"Temperature","value":23.5,"metric_type":"type-placeholder","unit":"C","timestamp":1767225600000000000,"attributes":null}]}"#
        );
        // Missing name -> placeholder, missing value -> 0.0, bad time -> 0, no time -> null.
        assert_eq!(
            run(r#"{"timestamp":"yesterday"}"#),
            r#"{"metrics":[{"name":"wasm-placeholder","value":0.0,"metric_type":"type-placeholder","unit":"C","timestamp":0,"attributes":null}]}"#
        );
        assert!(run(r#"{"tag":"a","value":1}"#).contains(r#""timestamp":null"#));
        assert_eq!(
            rfc3339_nanos("2026-01-01T01:00:00.5+01:00"),
            1767225600500000000
        );
    }

    #[test]
    fn invalid_json_passes_unchanged() {
        let config = TransformConfig::from_properties(&props(&[
            ("metricValuePath", "v"),
            ("metricName", "n"),
        ]));
        assert!(transform(b"not json", &config, &[], || 0).is_none());
    }

    #[test]
    #[should_panic(expected = "metricValuePath")]
    fn t12c_missing_value_path_panics() {
        let config = TransformConfig::from_properties(&props(&[("metricName", "n")]));
        transform(b"{}", &config, &[], || 0);
    }

    #[test]
    fn paths() {
        let v: Value = serde_json::from_str(r#"{"a":{"b":[1,{"c":"x"}]}}"#).unwrap();
        assert_eq!(at_path(&v, "a.b.1.c"), Some(&Value::String("x".into())));
        assert_eq!(at_path(&v, "a.x"), None);
        assert_eq!(at_path(&v, "a.b.c"), None);
    }
}
