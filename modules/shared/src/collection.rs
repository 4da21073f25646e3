//! The `collection` accumulator: merges the per-window temperature, humidity and object
//! results that meet at the concatenate node into one `sensor_data` message.
use crate::{parse, Measurement, SensorData, PARSE_ERROR};

/// Folds `inputs` (message payloads or snapshot frames) into `staged` (empty, or our own
/// previous output). Output is serialized by serde, so the accumulators' `1695` becomes
/// `1695.0`, missing fields get their defaults and `overtemp` appears as `false`.
pub fn collect(staged: &[u8], inputs: &[Vec<u8>]) -> Result<Vec<u8>, String> {
    let mut data = if staged.is_empty() {
        SensorData::default()
    } else {
        match parse(staged)? {
            Measurement::SensorData(d) => d,
            _ => return Err("staged value is not sensor_data".into()),
        }
    };
    for input in inputs {
        match parse(input)? {
            Measurement::Temperature(t) => data.temperature.push(t),
            Measurement::Humidity(h) => data.humidity.push(h),
            Measurement::Object(o) => data.object.push(o),
            Measurement::SensorData(_) => {
                return Err("collection does not accept sensor_data inputs".into())
            }
        }
    }
    serde_json::to_vec(&Measurement::SensorData(data)).map_err(|_| PARSE_ERROR.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(b: Vec<u8>) -> String {
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn starts_empty_and_reserializes_with_serde() {
        let t = br#"{"temperature":{"count":1,"max":1695,"min":1695,"average":1695,"last":1695,"unit":"C"}}"#;
        let h = br#"{"humidity":{"count":1,"max":85,"min":85,"average":85,"last":85}}"#;
        let o = br#"{"object":{"result":"American black bear, black bear, Ursus americanus, Euarctos americanus"}}"#;
        let out = collect(b"", &[t.to_vec()]).unwrap();
        assert_eq!(
            text(out.clone()),
            r#"{"sensor_data":{"temperature":[{"count":1,"max":1695.0,"min":1695.0,"average":1695.0,"last":1695.0,"unit":"C","overtemp":false}],"humidity":[],"object":[]}}"#
        );
        // A later batch of the same window folds into the staged value.
        let out = collect(&out, &[h.to_vec(), o.to_vec()]).unwrap();
        assert_eq!(
            text(out),
            r#"{"sensor_data":{"temperature":[{"count":1,"max":1695.0,"min":1695.0,"average":1695.0,"last":1695.0,"unit":"C","overtemp":false}],"humidity":[{"count":1,"max":85.0,"min":85.0,"average":85.0,"last":85.0}],"object":[{"result":"American black bear, black bear, Ursus americanus, Euarctos americanus"}]}}"#
        );
    }

    #[test]
    fn rejects_sensor_data_and_junk() {
        let sd = br#"{"sensor_data":{}}"#.to_vec();
        assert!(collect(b"", std::slice::from_ref(&sd)).is_err());
        assert_eq!(collect(b"", &[b"nope".to_vec()]).unwrap_err(), PARSE_ERROR);
        assert!(collect(br#"{"object":{"result":"a"}}"#, &[]).is_err());
        // Staged sensor_data with missing lists is fine.
        assert_eq!(
            text(collect(&sd, &[]).unwrap()),
            r#"{"sensor_data":{"temperature":[],"humidity":[],"object":[]}}"#
        );
    }
}
