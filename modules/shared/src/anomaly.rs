//! The anomaly map's payload work, free of wasi-nn: settings from the graph parameters, the
//! feature vector a JSON sensor payload gives the model, and the payload with the score added.
use serde_json::{Map, Value};

/// Graph parameters and their defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// `model`: the name the host's `ml.models` gives the scorer (wasi-nn `load-by-name`).
    pub model: String,
    /// `features`: payload keys, comma-separated, in the order of the model's input columns.
    pub features: Vec<String>,
    /// `input_width`: columns of the model input; columns past the features are zero.
    pub input_width: usize,
    /// `input_name`: the model's input tensor name.
    pub input_name: String,
    /// `threshold`: a score at or above it marks the reading as an anomaly.
    pub threshold: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            model: "anomaly-scorer".into(),
            features: ["temperature", "vibration", "pressure"]
                .map(String::from)
                .to_vec(),
            input_width: 8,
            input_name: "X".into(),
            threshold: 0.5,
        }
    }
}

impl Settings {
    /// Unknown keys are ignored; a bad value is a configuration error (init returns false).
    pub fn from_properties(props: &[(String, String)]) -> Result<Settings, String> {
        let mut s = Settings::default();
        for (k, v) in props {
            let v = v.trim();
            match k.as_str() {
                "model" => s.model = v.into(),
                "input_name" => s.input_name = v.into(),
                "features" => {
                    s.features = v
                        .split(',')
                        .map(str::trim)
                        .filter(|f| !f.is_empty())
                        .map(String::from)
                        .collect()
                }
                "input_width" => {
                    s.input_width = v
                        .parse()
                        .map_err(|_| format!("input_width: not a count: {v:?}"))?
                }
                "threshold" => {
                    s.threshold = v
                        .parse()
                        .map_err(|_| format!("threshold: not a number: {v:?}"))?
                }
                _ => {}
            }
        }
        if s.features.is_empty() || s.features.len() > s.input_width {
            return Err(format!(
                "features: {} listed, the model takes 1 to {}",
                s.features.len(),
                s.input_width
            ));
        }
        Ok(s)
    }
}

/// A payload parsed as a JSON object.
pub fn parse_object(payload: &[u8]) -> Result<Map<String, Value>, String> {
    match serde_json::from_slice(payload) {
        Ok(Value::Object(o)) => Ok(o),
        Ok(_) => Err("payload is not a JSON object".into()),
        Err(e) => Err(format!("payload is not JSON: {e}")),
    }
}

/// The model input row: each listed feature's number, then zeros up to the input width.
pub fn feature_row(object: &Map<String, Value>, settings: &Settings) -> Result<Vec<f32>, String> {
    let mut row = vec![0f32; settings.input_width];
    for (slot, name) in row.iter_mut().zip(&settings.features) {
        *slot = object
            .get(name)
            .and_then(Value::as_f64)
            .ok_or_else(|| format!("feature {name:?} is missing or not a number"))?
            as f32;
    }
    Ok(row)
}

/// The payload with `anomaly_score` and `anomaly` added. The original text is kept as it is
/// (key order included) unless it already carries those keys, which are then replaced.
pub fn annotate(
    payload: &[u8],
    object: &Map<String, Value>,
    score: f32,
    threshold: f64,
) -> Vec<u8> {
    let score = f64::from(score);
    let anomaly = score >= threshold;
    let text = String::from_utf8_lossy(payload);
    let body = text.trim_end();
    let number = Value::from(score); // NaN becomes null
    if object.contains_key("anomaly_score")
        || object.contains_key("anomaly")
        || !body.ends_with('}')
    {
        let mut object = object.clone();
        object.insert("anomaly_score".into(), number);
        object.insert("anomaly".into(), Value::Bool(anomaly));
        return serde_json::to_vec(&object).expect("a JSON object serializes");
    }
    let separator = if object.is_empty() { "" } else { "," };
    format!(
        "{}{separator}\"anomaly_score\":{number},\"anomaly\":{anomaly}}}",
        &body[..body.len() - 1]
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn settings_take_defaults_and_overrides() {
        assert_eq!(Settings::from_properties(&[]).unwrap(), Settings::default());
        let s = Settings::from_properties(&props(&[
            ("features", " a, b ,,c"),
            ("threshold", "0.8"),
            ("model", "m"),
        ]))
        .unwrap();
        assert_eq!(s.features, ["a", "b", "c"]);
        assert_eq!((s.threshold, s.model.as_str()), (0.8, "m"));
        assert!(Settings::from_properties(&props(&[("threshold", "high")])).is_err());
        assert!(
            Settings::from_properties(&props(&[("features", "a,b,c"), ("input_width", "2")]))
                .is_err()
        );
    }

    #[test]
    fn the_row_follows_the_feature_order_and_pads_with_zeros() {
        let o = parse_object(br#"{"pressure":3,"temperature":1.5,"vibration":-2,"extra":"x"}"#)
            .unwrap();
        let row = feature_row(&o, &Settings::default()).unwrap();
        assert_eq!(row, [1.5, -2.0, 3.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
        let missing = parse_object(br#"{"temperature":1}"#).unwrap();
        assert!(feature_row(&missing, &Settings::default()).is_err());
        assert!(parse_object(b"[1,2]").is_err());
    }

    #[test]
    fn annotate_appends_to_the_original_text() {
        let payload = br#"{"z":1, "a":2}"#;
        let o = parse_object(payload).unwrap();
        let out = annotate(payload, &o, 0.75, 0.5);
        assert_eq!(
            out,
            br#"{"z":1, "a":2,"anomaly_score":0.75,"anomaly":true}"#
        );
        let again = annotate(&out, &parse_object(&out).unwrap(), 0.25, 0.5);
        assert_eq!(
            again,
            br#"{"a":2,"anomaly":false,"anomaly_score":0.25,"z":1}"#
        );
    }
}
