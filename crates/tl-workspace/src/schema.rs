//! The JSON Schema of the workspace format, generated from the same records
//! the loader uses, for editors with yaml-language-server.

use crate::decode::{Record, Ty};
use crate::sections::{FILE, all_records};
use serde_json::{Map, Value, json};

fn def_name(r: &Record) -> String {
    r.name.replace(' ', "_")
}

fn ty_schema(ty: &Ty, doc: &str) -> Value {
    let mut v = match ty {
        Ty::Str | Ty::Text => json!({ "type": "string" }),
        Ty::Id => {
            json!({ "type": "string", "pattern": "^[a-z0-9][a-z0-9._-]*$", "maxLength": 100 })
        }
        Ty::Ref(kind) => {
            json!({ "type": "string", "pattern": "^[a-z0-9][a-z0-9._-]*$", "description": format!("the id of a {kind}") })
        }
        Ty::Number => json!({ "type": "number" }),
        Ty::Int(min, max) => json!({ "type": "integer", "minimum": min, "maximum": max }),
        Ty::Fraction => json!({ "type": "number", "minimum": 0, "maximum": 1 }),
        Ty::Percent => json!({ "type": "number", "minimum": 0, "maximum": 100 }),
        Ty::Date => json!({ "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$" }),
        Ty::Quarter => json!({ "type": "string", "pattern": "^[0-9]{4}-Q[1-4]$" }),
        Ty::Duration => json!({ "type": "string", "pattern": "^[0-9]+ *(m|min|h|d|w)$" }),
        Ty::Window => json!({ "type": "string", "pattern": "^[0-9]+ *(m|min|h|d|w|mo)$" }),
        Ty::Keyword(names) => json!({ "enum": names }),
        Ty::List(inner) => json!({ "type": "array", "items": ty_schema(inner, "") }),
        Ty::Map(key, inner) => json!({
            "type": "object",
            "additionalProperties": ty_schema(inner, ""),
            "propertyNames": { "description": key },
        }),
        Ty::Record(r) => json!({ "$ref": format!("#/definitions/{}", def_name(r)) }),
    };
    if !doc.is_empty()
        && let Value::Object(map) = &mut v
        && !map.contains_key("$ref")
    {
        map.entry("description").or_insert_with(|| Value::String(doc.to_string()));
    }
    v
}

fn record_schema(r: &Record) -> Value {
    let mut props = Map::new();
    for f in r.fields {
        let mut s = ty_schema(&f.ty, f.doc);
        if matches!(f.ty, Ty::Record(_)) {
            s = json!({ "allOf": [s], "description": f.doc });
        }
        props.insert(f.name.to_string(), s);
    }
    let required: Vec<&str> = r.fields.iter().filter(|f| f.required).map(|f| f.name).collect();
    json!({
        "type": "object",
        "description": r.doc,
        "properties": props,
        "required": required,
        "additionalProperties": false,
    })
}

/// The schema as a JSON value.
pub fn schema() -> Value {
    let mut defs = Map::new();
    for r in all_records() {
        defs.insert(def_name(r), record_schema(r));
    }
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://throughline.dev/schema/workspace.json",
        "title": "Throughline workspace file",
        "$ref": format!("#/definitions/{}", def_name(&FILE)),
        "definitions": defs,
    })
}
