use super::*;

/// Every key the loader reads has a type and a description here: the schema cannot drift
/// from the loader without this failing.
#[test]
fn every_loader_key_has_a_type_and_a_description() {
    for (section, keys) in sections() {
        for key in keys {
            assert!(
                property(section, key).is_some(),
                "{section:?}.{key} has no schema"
            );
            assert!(
                !describe(section, key).is_empty(),
                "{section:?}.{key} has no description"
            );
        }
    }
}

#[test]
fn sections_list_exactly_the_loader_keys_and_reject_others() {
    let schema = registry_schema();
    let host = &schema["properties"]["hosts"]["anyOf"][0]["additionalProperties"];
    let props = host["properties"].as_object().map(|m| m.len());
    assert_eq!(props, Some(HOST_KEYS.len()));
    assert_eq!(host["additionalProperties"], json!(false));
    assert_eq!(schema["additionalProperties"], json!(false));
}

#[test]
fn choices_come_from_the_model() {
    let schema = registry_schema();
    let service = &schema["properties"]["services"]["anyOf"][0]["additionalProperties"];
    let on_failure = &service["properties"]["on_failure"]["anyOf"][0]["enum"];
    assert_eq!(on_failure, &json!(["rollback", "stop", "keep"]));
    let engines = &service["properties"]["deployment_type"]["anyOf"][0]["anyOf"][0]["enum"];
    assert_eq!(engines, &json!(["docker", "local", "native"]));
}

#[test]
fn the_text_is_pretty_json_with_a_final_newline() {
    let text = registry_schema_json();
    assert!(text.ends_with("}\n"));
    assert!(text.contains("\"$schema\": \"http://json-schema.org/draft-07/schema#\""));
}
