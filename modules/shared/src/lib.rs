//! Payload logic of the sample operators (see docs/aio-compatibility.md), kept free of WIT bindings so
//! that the 1.1.0 and 1.0.0 (tinykube) builds behave identically and so it can be unit-tested on
//! the host with plain `cargo test -p operator-logic`.
use serde::{Deserialize, Serialize};

pub mod anomaly;
pub mod collection;
pub mod enrichment;
#[cfg(feature = "image")]
pub mod format;
pub mod imagenet;
pub mod kv;
pub mod objects;
pub mod opcua;
pub mod otel;
pub mod schema;

/// The shared payload vocabulary: a JSON object with exactly one top-level key. serde's
/// externally tagged enum rejects any extra key, as the samples do.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measurement {
    Temperature(Temperature),
    Humidity(Humidity),
    Object(Object),
    SensorData(SensorData),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Unit {
    C,
    F,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::C => "C",
            Unit::F => "F",
        }
    }
}

// Field order is the serialization order the tests compare byte for byte.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Temperature {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(default)]
    pub count: u64,
    #[serde(default)]
    pub max: f64,
    #[serde(default)]
    pub min: f64,
    #[serde(default)]
    pub average: f64,
    #[serde(default)]
    pub last: f64,
    pub unit: Unit,
    #[serde(default)]
    pub overtemp: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Humidity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(default)]
    pub count: u64,
    #[serde(default)]
    pub max: f64,
    #[serde(default)]
    pub min: f64,
    #[serde(default)]
    pub average: f64,
    #[serde(default)]
    pub last: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Object {
    pub result: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SensorData {
    #[serde(default)]
    pub temperature: Vec<Temperature>,
    #[serde(default)]
    pub humidity: Vec<Humidity>,
    #[serde(default)]
    pub object: Vec<Object>,
}

pub const PARSE_ERROR: &str = "Failed to parse payload as JSON";

pub fn parse(payload: &[u8]) -> Result<Measurement, String> {
    serde_json::from_slice(payload).map_err(|_| PARSE_ERROR.to_string())
}

/// What the temperature map does to a payload.
pub struct MapOutcome {
    /// `Some` = replace the payload; `None` = keep the original bytes untouched.
    pub payload: Option<Vec<u8>>,
    /// Unit of a temperature reading after conversion (metrics label).
    pub unit: Option<Unit>,
}

/// °F readings become °C and are re-serialized in full form (defaults included); anything else
/// that parses is left byte-identical. Like the sample, a °F reading without `value` panics.
pub fn fahrenheit_to_celsius(payload: &[u8]) -> Result<MapOutcome, String> {
    match parse(payload)? {
        Measurement::Temperature(mut t) if t.unit == Unit::F => {
            let f = t.value.expect("temperature value missing");
            // This operation order gives serde's digits exactly (1209 °F -> 653.8888888888889).
            t.value = Some((f - 32.0) * 5.0 / 9.0);
            t.unit = Unit::C;
            let bytes =
                serde_json::to_vec(&Measurement::Temperature(t)).map_err(|e| e.to_string())?;
            Ok(MapOutcome {
                payload: Some(bytes),
                unit: Some(Unit::C),
            })
        }
        Measurement::Temperature(t) => Ok(MapOutcome {
            payload: None,
            unit: Some(t.unit),
        }),
        _ => Ok(MapOutcome {
            payload: None,
            unit: None,
        }),
    }
}

/// User-property rewrite the samples' tests check (T01d).
pub fn rewritten_property(key: &str) -> Option<&'static str> {
    (key == "test_property_key").then_some("new_value")
}

/// Branch: true iff the payload is a temperature reading.
pub fn is_temperature(payload: &[u8]) -> Result<bool, String> {
    Ok(matches!(parse(payload)?, Measurement::Temperature(_)))
}

/// Filter bounds (exclusive), from the graph parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    pub lower: f64,
    pub upper: f64,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            lower: -40.0,
            upper: 3422.0,
        }
    }
}

impl Bounds {
    /// Missing parameters take the defaults; an unparsable one is a configuration error
    /// (init returns false) rather than a panic on every message later.
    pub fn from_properties(props: &[(String, String)]) -> Result<Bounds, String> {
        let mut b = Bounds::default();
        for (k, v) in props {
            let slot = match k.as_str() {
                "temperature_lower_bound" => &mut b.lower,
                "temperature_upper_bound" => &mut b.upper,
                _ => continue,
            };
            *slot = v
                .trim()
                .parse()
                .map_err(|_| format!("{k}: not a number: {v:?}"))?;
        }
        Ok(b)
    }

    /// Passes only °C temperatures strictly inside the bounds. As in the sample, invalid JSON
    /// or a missing value panics (a trap: the host drops the message).
    pub fn passes(&self, payload: &[u8]) -> bool {
        match parse(payload).expect(PARSE_ERROR) {
            Measurement::Temperature(t) if t.unit == Unit::C => {
                let v = t.value.expect("temperature value missing");
                self.lower < v && v < self.upper
            }
            _ => false,
        }
    }
}

/// Orders inputs by their message timestamp: (secs, nanos, counter).
pub type TimeKey = (u64, u32, u64);

/// Temperature accumulate: folds `inputs` into `staged` (empty, or our own previous output).
/// Returns the new staged payload and the index of the input with the latest timestamp (its
/// timestamp becomes the output's). Formatted with `Display`, so 1695.0 prints as 1695; the
/// collection accumulator re-serializes these entries with serde (`1695.0`).
pub fn accumulate_temperatures(
    staged: &[u8],
    inputs: &[(TimeKey, &[u8])],
) -> Result<(Vec<u8>, usize), String> {
    let mut fold = Fold::default();
    if !staged.is_empty() {
        match parse(staged)? {
            Measurement::Temperature(t) => fold = Fold::staged(t.count, t.average, t.max, t.min),
            _ => return Err("staged value is not a temperature".into()),
        }
    }
    let mut unit = Unit::C;
    let mut latest: Option<(TimeKey, usize)> = None;
    for (i, (key, payload)) in inputs.iter().enumerate() {
        let Measurement::Temperature(t) = parse(payload)? else {
            return Err("input is not a temperature".into());
        };
        let v = t.value.ok_or("temperature value missing")?;
        fold.add(*key, v);
        if latest.is_none_or(|(k, _)| *key >= k) {
            latest = Some((*key, i));
            unit = t.unit;
        }
    }
    let (_, idx) = latest.ok_or("no inputs")?;
    let Fold {
        count,
        max,
        min,
        last,
        ..
    } = fold;
    let average = fold.average();
    let unit = unit.as_str();
    let text = format!(
        r#"{{"temperature":{{"count":{count},"max":{max},"min":{min},"average":{average},"last":{last},"unit":"{unit}"}}}}"#
    );
    Ok((text.into_bytes(), idx))
}

/// Humidity accumulate: as [`accumulate_temperatures`] without a unit.
pub fn accumulate_humidity(
    staged: &[u8],
    inputs: &[(TimeKey, &[u8])],
) -> Result<(Vec<u8>, usize), String> {
    let mut fold = Fold::default();
    if !staged.is_empty() {
        match parse(staged)? {
            Measurement::Humidity(h) => fold = Fold::staged(h.count, h.average, h.max, h.min),
            _ => return Err("staged value is not a humidity".into()),
        }
    }
    let mut latest: Option<(TimeKey, usize)> = None;
    for (i, (key, payload)) in inputs.iter().enumerate() {
        let Measurement::Humidity(h) = parse(payload)? else {
            return Err("input is not a humidity".into());
        };
        let v = h.value.ok_or("humidity value missing")?;
        fold.add(*key, v);
        if latest.is_none_or(|(k, _)| *key >= k) {
            latest = Some((*key, i));
        }
    }
    let (_, idx) = latest.ok_or("no inputs")?;
    let Fold {
        count,
        max,
        min,
        last,
        ..
    } = fold;
    let average = fold.average();
    let text = format!(
        r#"{{"humidity":{{"count":{count},"max":{max},"min":{min},"average":{average},"last":{last}}}}}"#
    );
    Ok((text.into_bytes(), idx))
}

/// Running count/sum/max/min/last of one accumulate window. The staged value carries no
/// timestamp for its `last`, so any new input replaces it.
#[derive(Debug, Default, Clone, Copy)]
struct Fold {
    count: u64,
    sum: f64,
    max: f64,
    min: f64,
    last: f64,
    last_key: Option<TimeKey>,
}

impl Fold {
    fn staged(count: u64, average: f64, max: f64, min: f64) -> Fold {
        Fold {
            count,
            sum: average * count as f64,
            max,
            min,
            last: 0.0,
            last_key: None,
        }
    }

    fn add(&mut self, key: TimeKey, v: f64) {
        (self.max, self.min) = if self.count == 0 {
            (v, v)
        } else {
            (self.max.max(v), self.min.min(v))
        };
        self.count += 1;
        self.sum += v;
        // Ties go to the later input.
        if self.last_key.is_none_or(|k| key >= k) {
            self.last_key = Some(key);
            self.last = v;
        }
    }

    fn average(&self) -> f64 {
        self.sum / self.count as f64
    }
}

pub const WINDOW_MS: u64 = 10_000;

/// Window (delay): end of the 10-second tumbling window a time falls in. Exact multiples stay
/// put; sub-millisecond nanos are dropped either way.
pub fn window_end(secs: u64, nanos: u32) -> (u64, u32) {
    let ms = secs * 1000 + u64::from(nanos / 1_000_000);
    let end = ms.div_ceil(WINDOW_MS) * WINDOW_MS;
    (end / 1000, ((end % 1000) * 1_000_000) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(input: &str) -> Option<String> {
        fahrenheit_to_celsius(input.as_bytes())
            .unwrap()
            .payload
            .map(|b| String::from_utf8(b).unwrap())
    }

    #[test]
    fn t01_fahrenheit_to_celsius_bytes() {
        assert_eq!(
            map(r#"{"temperature":{"value":1209,"unit":"F"}}"#).unwrap(),
            r#"{"temperature":{"value":653.8888888888889,"count":0,"max":0.0,"min":0.0,"average":0.0,"last":0.0,"unit":"C","overtemp":false}}"#
        );
        let b = map(r#"{"temperature":{"value":100.0,"unit":"F"}}"#).unwrap();
        assert!(b.contains(r#""value":37.77777777777778,"#), "{b}");
        assert_eq!(map(r#"{"temperature":{"value":50,"unit":"C"}}"#), None);
        assert_eq!(map(r#"{"humidity":{"value":85}}"#), None);
        assert!(fahrenheit_to_celsius(b"not json").is_err());
        assert!(fahrenheit_to_celsius(br#"{"temperature":{"value":1,"unit":"C"},"x":1}"#).is_err());
    }

    #[test]
    fn filter_and_branch() {
        let b = Bounds::default();
        assert!(b.passes(br#"{"temperature":{"value":20,"unit":"C"}}"#));
        assert!(!b.passes(br#"{"temperature":{"value":3422,"unit":"C"}}"#));
        assert!(!b.passes(br#"{"temperature":{"value":20,"unit":"F"}}"#));
        assert!(!b.passes(br#"{"humidity":{"value":20}}"#));
        let props = vec![("temperature_lower_bound".to_string(), "10".to_string())];
        assert_eq!(Bounds::from_properties(&props).unwrap().lower, 10.0);
        assert!(
            Bounds::from_properties(&[("temperature_upper_bound".into(), "x".into())]).is_err()
        );
        assert!(is_temperature(br#"{"temperature":{"unit":"C"}}"#).unwrap());
        assert!(!is_temperature(br#"{"object":{"result":"a"}}"#).unwrap());
        assert!(is_temperature(b"{").is_err());
    }

    #[test]
    fn accumulate_folds_staged_and_inputs() {
        let a = br#"{"temperature":{"value":653.8888888888889,"unit":"C"}}"#;
        let (out, idx) = accumulate_temperatures(b"", &[((5, 0, 0), a)]).unwrap();
        assert_eq!(idx, 0);
        let v = 653.8888888888889;
        let one = format!(
            r#"{{"temperature":{{"count":1,"max":{v},"min":{v},"average":{v},"last":{v},"unit":"C"}}}}"#
        );
        assert_eq!(String::from_utf8(out.clone()).unwrap(), one);
        let b = br#"{"temperature":{"value":1695,"unit":"C"}}"#;
        let c = br#"{"temperature":{"value":204.44444444444446,"unit":"C"}}"#;
        let (out, idx) = accumulate_temperatures(&out, &[((9, 0, 0), b), ((7, 0, 0), c)]).unwrap();
        assert_eq!(idx, 0);
        let s = String::from_utf8(out).unwrap();
        assert!(
            s.starts_with(r#"{"temperature":{"count":3,"max":1695,"min":204.44444444444446,"#),
            "{s}"
        );
        assert!(s.ends_with(r#","last":1695,"unit":"C"}}"#), "{s}");
    }

    #[test]
    fn t02_t14_temperature_window() {
        // T02: one 1209 °F reading after the map.
        let v = br#"{"temperature":{"value":653.8888888888889,"count":0,"max":0.0,"min":0.0,"average":0.0,"last":0.0,"unit":"C","overtemp":false}}"#;
        let (out, _) = accumulate_temperatures(b"", &[((1, 0, 0), v)]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"temperature":{"count":1,"max":653.8888888888889,"min":653.8888888888889,"average":653.8888888888889,"last":653.8888888888889,"unit":"C"}}"#
        );
        // T14: 1209/400/3083 °F in one window, arriving out of time order.
        let c = |f: f64| {
            format!(
                r#"{{"temperature":{{"value":{},"unit":"C"}}}}"#,
                (f - 32.0) * 5.0 / 9.0
            )
        };
        let (a, b, d) = (c(1209.0), c(400.0), c(3083.0));
        let inputs = [
            ((3, 0, 0), a.as_bytes()),
            ((1, 0, 0), b.as_bytes()),
            ((2, 0, 0), d.as_bytes()),
        ];
        let (out, idx) = accumulate_temperatures(b"", &inputs).unwrap();
        assert_eq!(idx, 0);
        let Measurement::Temperature(t) = parse(&out).unwrap() else {
            panic!()
        };
        assert_eq!((t.count, t.max, t.min), (3, 1695.0, 204.44444444444446));
        assert!(
            (t.average - 851.1111111111111).abs() < 1e-9,
            "{}",
            t.average
        );
        assert_eq!(t.last, 653.8888888888889);
        // Through collection the whole floats print with ".0" (T03).
        let s = String::from_utf8(out).unwrap();
        assert!(s.contains(r#""max":1695,"#), "{s}");
        let merged =
            String::from_utf8(collection::collect(b"", &[s.into_bytes()]).unwrap()).unwrap();
        assert!(
            merged.contains(r#""max":1695.0,"min":204.44444444444446,"#),
            "{merged}"
        );
    }

    #[test]
    fn t15_humidity_window() {
        let h = |v: u32| format!(r#"{{"humidity":{{"value":{v}}}}}"#);
        let (a, b, c) = (h(85), h(45), h(79));
        let (out, idx) =
            accumulate_humidity(b"", &[((1, 0, 0), a.as_bytes()), ((2, 0, 0), b.as_bytes())])
                .unwrap();
        assert_eq!(idx, 1);
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            r#"{"humidity":{"count":2,"max":85,"min":45,"average":65,"last":45}}"#
        );
        // A second batch of the same window folds into the staged value.
        let (out, _) = accumulate_humidity(&out, &[((3, 0, 0), c.as_bytes())]).unwrap();
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            r#"{"humidity":{"count":3,"max":85,"min":45,"average":69.66666666666667,"last":79}}"#
        );
        let merged = String::from_utf8(collection::collect(b"", &[out]).unwrap()).unwrap();
        assert_eq!(
            merged,
            r#"{"sensor_data":{"temperature":[],"humidity":[{"count":3,"max":85.0,"min":45.0,"average":69.66666666666667,"last":79.0}],"object":[]}}"#
        );
        assert!(accumulate_humidity(b"", &[((1, 0, 0), br#"{"object":{"result":"x"}}"#)]).is_err());
        assert!(accumulate_humidity(b"", &[((1, 0, 0), br#"{"humidity":{}}"#)]).is_err());
        assert!(accumulate_humidity(br#"{"temperature":{"unit":"C"}}"#, &[]).is_err());
    }

    #[test]
    fn t13_window_rounds_up_to_10s() {
        assert_eq!(window_end(1758255553, 528_123_456), (1758255560, 0));
        assert_eq!(window_end(1758255560, 0), (1758255560, 0));
        assert_eq!(window_end(1758255560, 1_000_000), (1758255570, 0));
        assert_eq!(window_end(0, 0), (0, 0));
    }
}
