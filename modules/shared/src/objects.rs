//! The snapshot accumulate: the distinct detection results of
//! a window, in first-seen order, joined with "; " into one `object` payload.
use crate::{parse, Measurement, Object};

pub const SEPARATOR: &str = "; ";

/// The `{"object":{"result":…}}` payload of one detection.
pub fn object_payload(result: &str) -> Vec<u8> {
    let m = Measurement::Object(Object {
        result: result.into(),
    });
    serde_json::to_vec(&m).expect("an object always serializes")
}

fn object_result(payload: &[u8]) -> Result<String, String> {
    match parse(payload)? {
        Measurement::Object(o) => Ok(o.result),
        _ => Err("expected an object detection".into()),
    }
}

/// Folds detection frames into the staged payload (empty, or our own previous output, whose
/// result is kept as one entry).
pub fn accumulate_objects(staged: &[u8], frames: &[&[u8]]) -> Result<Vec<u8>, String> {
    let mut seen: Vec<String> = Vec::new();
    if !staged.is_empty() {
        seen.push(object_result(staged)?);
    }
    for frame in frames {
        let result = object_result(frame)?;
        if !seen.contains(&result) {
            seen.push(result);
        }
    }
    Ok(object_payload(&seen.join(SEPARATOR)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_results_are_kept_once_in_first_seen_order() {
        let (a, b) = (object_payload("A"), object_payload("B"));
        let out = accumulate_objects(b"", &[&a, &b, &a]).unwrap();
        assert_eq!(out, br#"{"object":{"result":"A; B"}}"#);
    }

    #[test]
    fn the_staged_result_stays_one_entry() {
        let staged = object_payload("A; B");
        let out = accumulate_objects(&staged, &[&object_payload("C"), &object_payload("A")]);
        assert_eq!(out.unwrap(), br#"{"object":{"result":"A; B; C; A"}}"#);
    }

    #[test]
    fn non_object_inputs_are_errors() {
        let humidity = br#"{"humidity":{"value":85}}"#;
        assert!(accumulate_objects(b"", &[humidity]).is_err());
        assert!(accumulate_objects(b"", &[b"not json"]).is_err());
    }
}
