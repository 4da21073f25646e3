//! The temperature map operator, written once against `crate::abi` (the bindings of whichever
//! WIT package the including crate targets) so the 1.1.0 and 1.0.0 builds share it.
use crate::abi::logger::{self, Level};
use crate::abi::metrics::{self, CounterValue, Label};
use crate::abi::types::{
    BufferOrBytes, BufferOrString, DataModel, MessageSchema, ModuleConfiguration,
};

pub const CONTEXT: &str = "module-temperature/map";

pub fn init(configuration: ModuleConfiguration) -> bool {
    for (key, value) in &configuration.properties {
        logger::log(
            Level::Info,
            CONTEXT,
            &format!("configuration property {key}={value}"),
        );
    }
    true
}

/// °F -> °C (payload re-serialized), anything else byte-identical; rewrites the test property.
pub fn process(input: DataModel) -> Result<DataModel, String> {
    let DataModel::Message(mut message) = input else {
        return Err("temperature map expects a message".into());
    };
    let content_type = message.content_type.as_ref().map(read_string);
    let schema = match &message.schema {
        Some(MessageSchema::RegistryReference(r)) => format!("registry:{}", read_string(r)),
        Some(MessageSchema::Inline(s)) => format!("inline:{}", read_string(&s.name)),
        None => "none".into(),
    };
    logger::log(
        Level::Debug,
        CONTEXT,
        &format!("content type {content_type:?}, schema {schema}"),
    );

    let outcome = operator_logic::fahrenheit_to_celsius(&read_bytes(&message.payload))?;
    let mut labels = vec![label("module", CONTEXT)];
    if let Some(unit) = outcome.unit {
        labels.push(label("unit", unit.as_str()));
    }
    // Metrics are best effort: a host-side metrics error must not drop the message.
    let _ = metrics::add_to_counter("requests", CounterValue::U64(1), Some(&labels));

    if let Some(bytes) = outcome.payload {
        message.payload = BufferOrBytes::Bytes(bytes);
    }
    for (key, value) in message.properties.user_properties.iter_mut() {
        if let Some(new_value) = operator_logic::rewritten_property(&read_string(key)) {
            *value = BufferOrString::String(new_value.into());
        }
    }
    Ok(DataModel::Message(message))
}

pub fn label(key: &str, value: &str) -> Label {
    Label {
        key: key.into(),
        value: value.into(),
    }
}

/// The host usually hands bytes over as a `buffer` handle; modules may return plain bytes.
pub fn read_bytes(b: &BufferOrBytes) -> Vec<u8> {
    match b {
        BufferOrBytes::Buffer(buffer) => buffer.read(),
        BufferOrBytes::Bytes(bytes) => bytes.clone(),
    }
}

pub fn read_string(s: &BufferOrString) -> String {
    match s {
        BufferOrString::Buffer(buffer) => String::from_utf8_lossy(&buffer.read()).into_owned(),
        BufferOrString::String(s) => s.clone(),
    }
}
