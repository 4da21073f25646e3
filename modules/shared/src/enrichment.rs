//! The `enrichment` map: flags over-temperature windows and keeps a few state-store keys
//! (`overtemp`, `overtemp_count` under a lock, `wet_flag`) up to date.
use crate::kv::{Condition, Kv};
use crate::{parse, Measurement, PARSE_ERROR};

pub const OVERTEMP_LIMIT: f64 = 100.0;
pub const WET_LIMIT: f64 = 80.0;
pub const LOCK_KEY: &str = "lock";
pub const LOCK_OWNER: &str = "module2";
pub const LOCK_TTL_MS: u64 = 10_000;
pub const LOCK_ATTEMPTS: usize = 3;
pub const OUTPUT_TOPIC: &str = "sensors";

/// The new payload plus what went wrong with the state store along the way (state-store
/// failures never drop the message: they are logged and the payload is still produced).
#[derive(Debug)]
pub struct Enriched {
    pub payload: Vec<u8>,
    pub warnings: Vec<String>,
}

/// Input: a `sensor_data` payload (collection's output). Output: the unwrapped struct
/// `{"temperature":[…],"humidity":[…],"object":[…]}` with `overtemp` decided and every
/// temperature `value` removed.
pub fn enrich<K: Kv>(payload: &[u8], kv: &mut K) -> Result<Enriched, String> {
    let Measurement::SensorData(mut data) = parse(payload)? else {
        return Err("enrichment expects a sensor_data payload".into());
    };
    let mut warnings = Vec::new();
    let mut warn = |what: &str, r: Result<(), String>| {
        if let Err(e) = r {
            warnings.push(format!("{what}: {e}"));
        }
    };
    for t in &mut data.temperature {
        if t.max > OVERTEMP_LIMIT {
            t.overtemp = true;
            warn(
                "set overtemp",
                kv.set("overtemp", b"true", None, Condition::Unconditional, None)
                    .map(drop),
            );
            warn("increment overtemp_count", increment_overtemp_count(kv));
        } else if t.min < 0.0 {
            t.overtemp = false;
            warn(
                "set overtemp",
                kv.set("overtemp", b"false", None, Condition::Unconditional, None)
                    .map(drop),
            );
        } else {
            match kv.get("overtemp") {
                Ok(Some(v)) if v == b"true" => t.overtemp = true,
                Ok(_) => {}
                Err(e) => warn("get overtemp", Err(e)),
            }
        }
        t.value = None;
    }
    for h in &data.humidity {
        if h.max > WET_LIMIT {
            let flag = h.max.to_string();
            warn(
                "set wet_flag",
                kv.set(
                    "wet_flag",
                    flag.as_bytes(),
                    None,
                    Condition::Unconditional,
                    None,
                )
                .map(drop),
            );
        } else if h.min < WET_LIMIT {
            warn("del wet_flag", kv.del("wet_flag").map(drop));
        }
    }
    let payload = serde_json::to_vec(&data).map_err(|_| PARSE_ERROR.to_string())?;
    Ok(Enriched { payload, warnings })
}

/// `overtemp_count += 1` under the `lock` key: take the lock (write-if-absent-or-ours, 10 s
/// expiry), write the counter with the lock's version as fencing token, release with `vdel`.
/// Up to three attempts when the lock is held by someone else.
pub fn increment_overtemp_count<K: Kv>(kv: &mut K) -> Result<(), String> {
    let mut last_error = String::from("lock is held by another owner");
    for _ in 0..LOCK_ATTEMPTS {
        let token = match kv.set(
            LOCK_KEY,
            LOCK_OWNER.as_bytes(),
            None,
            Condition::OnlyIfEqualOrDoesNotExist,
            Some(LOCK_TTL_MS),
        ) {
            Ok((true, token)) => token,
            Ok((false, _)) => continue,
            Err(e) => {
                last_error = e;
                continue;
            }
        };
        let result = (|| {
            let current = kv.get("overtemp_count")?;
            let n: u64 = current
                .and_then(|v| String::from_utf8(v).ok())
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(0);
            let next = (n + 1).to_string();
            kv.set(
                "overtemp_count",
                next.as_bytes(),
                token.as_ref(),
                Condition::Unconditional,
                None,
            )?;
            Ok::<(), String>(())
        })();
        let released = kv.vdel(LOCK_KEY, LOCK_OWNER.as_bytes());
        result?;
        released?;
        return Ok(());
    }
    Err(last_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kv::MemoryKv;

    // Collection's output for one window (T02/T20 shape).
    const T20: &str = r#"{"sensor_data":{"temperature":[{"value":1.0,"count":1,"max":653.8888888888889,"min":653.8888888888889,"average":653.8888888888889,"last":653.8888888888889,"unit":"C","overtemp":false}],"humidity":[{"count":1,"max":85.0,"min":85.0,"average":85.0,"last":85.0}],"object":[]}}"#;

    #[test]
    fn t20_overtemp_and_wet_flag() {
        let mut kv = MemoryKv::default();
        let out = enrich(T20.as_bytes(), &mut kv).unwrap();
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        assert_eq!(
            String::from_utf8(out.payload).unwrap(),
            r#"{"temperature":[{"count":1,"max":653.8888888888889,"min":653.8888888888889,"average":653.8888888888889,"last":653.8888888888889,"unit":"C","overtemp":true}],"humidity":[{"count":1,"max":85.0,"min":85.0,"average":85.0,"last":85.0}],"object":[]}"#
        );
        assert_eq!(kv.value("overtemp").as_deref(), Some("true"));
        assert_eq!(kv.value("overtemp_count").as_deref(), Some("1"));
        assert_eq!(kv.value("wet_flag").as_deref(), Some("85"));
        assert_eq!(kv.value("lock"), None, "lock released");
        // Counter increments across calls.
        enrich(T20.as_bytes(), &mut kv).unwrap();
        assert_eq!(kv.value("overtemp_count").as_deref(), Some("2"));
    }

    #[test]
    fn t02_payload_matches_expected() {
        // T02 expected (payload.humidity/object ignored by the test).
        let staged = crate::collection::collect(
            b"",
            &[br#"{"temperature":{"count":1,"max":653.8888888888889,"min":653.8888888888889,"average":653.8888888888889,"last":653.8888888888889,"unit":"C"}}"#.to_vec()],
        )
        .unwrap();
        let out = enrich(&staged, &mut MemoryKv::default()).unwrap();
        assert_eq!(
            String::from_utf8(out.payload).unwrap(),
            r#"{"temperature":[{"count":1,"max":653.8888888888889,"min":653.8888888888889,"average":653.8888888888889,"last":653.8888888888889,"unit":"C","overtemp":true}],"humidity":[],"object":[]}"#
        );
    }

    #[test]
    fn t21_below_zero_clears_overtemp() {
        let mut kv = MemoryKv::default();
        kv.set("overtemp", b"true", None, Condition::Unconditional, None)
            .unwrap();
        kv.set("wet_flag", b"90", None, Condition::Unconditional, None)
            .unwrap();
        let input = r#"{"sensor_data":{"temperature":[{"count":2,"max":50,"min":-5,"average":22.5,"last":50,"unit":"C"}],"humidity":[{"count":1,"max":40,"min":40,"average":40,"last":40}]}}"#;
        let out = enrich(input.as_bytes(), &mut kv).unwrap();
        let text = String::from_utf8(out.payload).unwrap();
        assert!(text.contains(r#""overtemp":false"#), "{text}");
        assert_eq!(kv.value("overtemp").as_deref(), Some("false"));
        assert_eq!(kv.value("overtemp_count"), None);
        assert_eq!(kv.value("wet_flag"), None, "min < 80 deletes wet_flag");
    }

    #[test]
    fn in_range_reads_the_stored_flag() {
        let input = r#"{"sensor_data":{"temperature":[{"count":1,"max":50,"min":10,"average":30,"last":50,"unit":"C"}]}}"#;
        let mut kv = MemoryKv::default();
        let text = |o: Enriched| String::from_utf8(o.payload).unwrap();
        assert!(text(enrich(input.as_bytes(), &mut kv).unwrap()).contains(r#""overtemp":false"#));
        kv.set("overtemp", b"true", None, Condition::Unconditional, None)
            .unwrap();
        assert!(text(enrich(input.as_bytes(), &mut kv).unwrap()).contains(r#""overtemp":true"#));
    }

    #[test]
    fn state_store_failures_only_warn() {
        let mut kv = MemoryKv {
            fail: true,
            ..MemoryKv::default()
        };
        let out = enrich(T20.as_bytes(), &mut kv).unwrap();
        assert!(String::from_utf8(out.payload)
            .unwrap()
            .contains(r#""overtemp":true"#));
        assert_eq!(out.warnings.len(), 3, "{:?}", out.warnings);
        // Three lock attempts.
        assert_eq!(
            kv.calls
                .iter()
                .filter(|c| c.starts_with("set lock"))
                .count(),
            3
        );
    }

    #[test]
    fn lock_held_by_someone_else() {
        let mut kv = MemoryKv::default();
        kv.set("lock", b"other", None, Condition::Unconditional, None)
            .unwrap();
        assert!(increment_overtemp_count(&mut kv).is_err());
        assert_eq!(kv.value("overtemp_count"), None);
        assert_eq!(kv.value("lock").as_deref(), Some("other"));
    }

    #[test]
    fn rejects_other_payloads() {
        let mut kv = MemoryKv::default();
        assert!(enrich(br#"{"temperature":{"value":1,"unit":"C"}}"#, &mut kv).is_err());
        assert_eq!(enrich(b"[", &mut kv).unwrap_err(), PARSE_ERROR);
    }
}
