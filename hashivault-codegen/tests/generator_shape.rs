//! The generator's output still has the shape the rewrites were written against.
//!
//! `requests.rs`, `surface.rs`, `setters.rs`, `fields.rs` and `mark_features` find their anchors
//! in progenitor's and typify's output by its shape. This generates a small document
//! (`tests/fixtures/shape.json`: a few kv-v2, token, AppRole and sys operations cut from
//! `spec/openapi.json`) and checks that every rewrite step found what it rewrites; a failure names
//! the step, the pinned generator ([`hashivault_codegen::GENERATOR`]) and what to do.

use hashivault_codegen::{generate, Generated, Selection, GENERATOR};

const FIXTURE: &str = include_str!("fixtures/shape.json");

fn generated() -> Generated {
    generate(FIXTURE, &Selection::All).unwrap_or_else(|e| panic!("{}", changed("generate", &e)))
}

/// The failure message: which step, against which generator, and what to do.
fn changed(step: &str, what: &str) -> String {
    let pins: Vec<String> = GENERATOR
        .iter()
        .map(|(name, v)| format!("{name} {v}"))
        .collect();
    format!(
        "the generator's output changed shape: rewrite step `{step}` {what}.\n\
         hashivault's rewrites were written against {} (pinned with `=` in \
         hashivault-codegen/Cargo.toml and, for progenitor-client, the library's Cargo.toml). \
         If you upgraded the generator: dump the new output (`cargo xtask codegen --dump DIR`), \
         adapt `{step}` and its unit test to the new shape, then raise the pins and \
         `hashivault_codegen::GENERATOR` together. Otherwise restore the pinned versions \
         (`cargo update -p <crate> --precise <version>`).",
        pins.join(", ")
    )
}

/// `count` of a step must be `want` (an exact count per operation) or, with `None`, positive.
fn found(step: &str, what: &str, count: usize, want: Option<usize>) {
    let ok = match want {
        Some(want) => count == want,
        None => count > 0,
    };
    let expected = want.map_or("at least 1".to_string(), |w| w.to_string());
    assert!(
        ok,
        "{}",
        changed(
            step,
            &format!("found {count} {what} in the fixture (expected {expected})")
        )
    );
}

#[test]
fn every_rewrite_finds_its_anchors() {
    let g = generated();
    let ops = Some(g.operations.len());
    assert!(g.operations.len() >= 10, "{:?}", g.operations);
    let (r, s, f) = (g.rewrites, g.surface, g.fields);
    let badges = g.code.matches("doc(cfg(feature =").count();
    // (step, what it rewrites, how many it found, how many it must find: `None` is at least one)
    #[rustfmt::skip]
    let steps = [
        ("requests::drop_api_version_header", "`api-version` headers", r.api_version_headers, ops),
        ("requests::drop_api_version_header", "emptied header maps", r.empty_header_maps, ops),
        ("requests::build_urls_with_checked_params", "URLs", r.checked_urls, None),
        ("requests::build_urls_with_checked_params", "URLs without parameters", r.fixed_urls, None),
        ("requests::build_urls_with_checked_params", "unknown URLs", r.unrewritten_path_params, Some(0)),
        ("requests::unset_parameters_without_allocation", "parameters", r.lazy_unset_messages, None),
        ("requests::query_param_when_set", "query parameters", r.query_params, None),
        ("surface::send_through_transport", "send()s", s.sends, ops),
        ("surface::send_through_transport", "unknown send()s", s.unrewritten_sends, Some(0)),
        ("surface::builders_own_their_client", "builders", s.owned_builders, ops),
        ("surface::builders_own_their_client", "client methods", s.cloning_constructors, ops),
        ("surface::client_shares_its_base_url", "base URLs", s.shared_base_url.into(), Some(1)),
        ("setters::setters_take_field_values", "body setters", g.setters, None),
        ("shared::one_call_per_item", "operation setters", g.shared.converts, None),
        ("shared::one_call_per_item", "optional parameter setters", g.shared.converts_some, None),
        ("shared::one_call_per_item", "body setters of operations", g.shared.converts_into, None),
        ("shared::one_call_per_item", "body builder setters", g.shared.converted, None),
        ("shared::one_call_per_item", "parameter checks", g.shared.required, None),
        ("shared::one_call_per_item", "body conversions", g.shared.built, None),
        ("shared::one_call_per_item", "requests", g.shared.requests, None),
        ("shared::one_call_per_item", "prepare_request methods", g.shared.prepare_methods, ops),
        ("fields::unnamed_fields_as_secret_maps", "`extra` maps", f.extra_maps, None),
        ("fields::unnamed_fields_as_secret_maps", "`extra` defaults", f.extra_defaults, None),
        ("fields::lenient_request_fields", "comma-list fields", f.comma_lists, None),
        ("fields::lenient_request_fields", "integer fields", f.ints, None),
        ("fields::lenient_request_fields", "boolean fields", f.bools, None),
        ("fields::always_present_fields", "always-present fields", f.always_present, None),
        ("fields::always_present_fields", "`deletion_time` fields", f.empty_times, None),
        ("fields::answers_without_builders", "answer builders", f.answer_builders_dropped, None),
        ("fields::lenient_answer_fields", "answer fields", f.answer_fields, None),
        ("fields::lenient_answer_fields", "required answer fields", f.answer_required, None),
        ("fields::lenient_answer_fields", "answer structs", f.answer_extras, None),
        ("mark_features", "methods with a documented path", badges, ops),
    ];
    for (step, what, count, want) in steps {
        found(step, what, count, want);
    }
    for gone in [
        "api-version",
        "encode_path(",
        "ResponseValue",
        "progenitor_client::Error",
        "UnexpectedResponse",
        "client.exec(",
        "&'a super::Client",
        "```ignore",
        "let prepared = (move",
        // A setter's message names a type as users write it (`String`), not as tokens print.
        "conversion to `::",
    ] {
        let left = g.code.matches(gone).count();
        found(
            "the rewrites together",
            &format!("`{gone}`s left"),
            left,
            Some(0),
        );
    }
}

/// [`GENERATOR`] is what the manifests pin (`=x.y.z`) and what Cargo.lock resolved.
#[test]
fn the_generator_is_pinned() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |path: &std::path::Path| {
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    let manifests = read(&dir.join("Cargo.toml")) + &read(&dir.join("../Cargo.toml"));
    let lock = read(&dir.join("../Cargo.lock"));
    for (name, version) in GENERATOR {
        let pinned = manifests.lines().any(|line| {
            line.starts_with(&format!("{name} = ")) && line.contains(&format!("\"={version}\""))
        });
        assert!(
            pinned,
            "{name} is not pinned with `\"={version}\"` in hashivault-codegen/Cargo.toml or the \
             library's Cargo.toml (hashivault_codegen::GENERATOR says {version})"
        );
        let locked = format!("name = \"{name}\"\nversion = \"{version}\"\n");
        assert!(
            lock.contains(&locked),
            "{}",
            changed(
                name,
                &format!("resolved to another version than {version} in Cargo.lock")
            )
        );
    }
}
