//! The state-store calls the enrichment operators make, as a trait so their logic can be
//! unit-tested on the host with [`MemoryKv`] and run in a module against the WIT import.

/// `set` conditions (WIT `set-conditions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    OnlyIfDoesNotExist,
    OnlyIfEqualOrDoesNotExist,
    Unconditional,
}

/// The subset of the AIO state store the samples use. `Token` is the key version returned by
/// `set` (an HLC), usable as a fencing token in later calls. Errors are display strings.
pub trait Kv {
    type Token: Clone;
    fn get(&mut self, key: &str) -> Result<Option<Vec<u8>>, String>;
    /// Returns whether the value was written and the key's new version.
    fn set(
        &mut self,
        key: &str,
        value: &[u8],
        fencing: Option<&Self::Token>,
        condition: Condition,
        expires_ms: Option<u64>,
    ) -> Result<(bool, Option<Self::Token>), String>;
    /// Number of keys deleted.
    fn del(&mut self, key: &str) -> Result<i64, String>;
    /// Deletes only if the current value equals `value`.
    fn vdel(&mut self, key: &str, value: &[u8]) -> Result<i64, String>;
}

/// An in-memory store for tests: versions count up, fencing tokens are enforced, expiry is
/// ignored. `fail` makes every call fail like the host's placeholder (`request-error`).
#[derive(Debug, Default)]
pub struct MemoryKv {
    pub entries: std::collections::BTreeMap<String, (Vec<u8>, u64, Option<u64>)>,
    pub version: u64,
    pub fail: bool,
    pub calls: Vec<String>,
}

impl MemoryKv {
    pub fn value(&self, key: &str) -> Option<String> {
        self.entries
            .get(key)
            .map(|(v, ..)| String::from_utf8_lossy(v).into_owned())
    }

    fn check(&mut self, call: String) -> Result<(), String> {
        self.calls.push(call);
        if self.fail {
            Err("request-error: state store unavailable".into())
        } else {
            Ok(())
        }
    }
}

impl Kv for MemoryKv {
    type Token = u64;

    fn get(&mut self, key: &str) -> Result<Option<Vec<u8>>, String> {
        self.check(format!("get {key}"))?;
        Ok(self.entries.get(key).map(|(v, ..)| v.clone()))
    }

    fn set(
        &mut self,
        key: &str,
        value: &[u8],
        fencing: Option<&u64>,
        condition: Condition,
        _expires_ms: Option<u64>,
    ) -> Result<(bool, Option<u64>), String> {
        self.check(format!("set {key}={}", String::from_utf8_lossy(value)))?;
        let existing = self.entries.get(key);
        if let (Some(token), Some((_, _, Some(fence)))) = (fencing, existing) {
            if token < fence {
                return Err(format!("fencing token for {key} is stale"));
            }
        }
        let ok = match (condition, existing) {
            (Condition::Unconditional, _) | (_, None) => true,
            (Condition::OnlyIfDoesNotExist, Some(_)) => false,
            (Condition::OnlyIfEqualOrDoesNotExist, Some((v, ..))) => v == value,
        };
        if !ok {
            return Ok((false, None));
        }
        self.version += 1;
        let fence = fencing.copied().or(existing.and_then(|e| e.2));
        self.entries
            .insert(key.into(), (value.to_vec(), self.version, fence));
        Ok((true, Some(self.version)))
    }

    fn del(&mut self, key: &str) -> Result<i64, String> {
        self.check(format!("del {key}"))?;
        Ok(self.entries.remove(key).map_or(0, |_| 1))
    }

    fn vdel(&mut self, key: &str, value: &[u8]) -> Result<i64, String> {
        self.check(format!("vdel {key}"))?;
        match self.entries.get(key) {
            Some((v, ..)) if v == value => {
                self.entries.remove(key);
                Ok(1)
            }
            Some(_) => Ok(-1),
            None => Ok(0),
        }
    }
}
