//! The OpenAPI document, generated from the handlers' annotations and the
//! DTOs; `tests/it` compares it with the committed `tests/openapi.json`.

use crate::routes::{admin, delivery, delivery_metrics, events, okrs, ops, plan, register, revisions, session, teams};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Throughline",
        description = "Engineering strategy as code: the plan, its computed views, and live check-ins.\n\nAuthenticate with `Authorization: Bearer <token>` (API tokens, created by an admin at `POST /api/tokens`) or with the session cookie from `POST /api/login`; writes with a session cookie also send its CSRF token as `X-CSRF-Token`. Viewers read; editors and admins write; admins manage users and tokens."
    ),
    paths(
        plan::organisation,
        plan::revisions,
        plan::apply,
        plan::lint,
        plan::scores,
        teams::teams,
        teams::team,
        teams::people,
        teams::person,
        teams::capacity,
        okrs::themes,
        okrs::objectives,
        okrs::objective,
        okrs::key_result,
        okrs::check_ins,
        okrs::post_check_in,
        okrs::alignment,
        delivery::initiatives,
        delivery::initiative,
        delivery::milestone,
        delivery::milestone_updates,
        delivery::post_milestone_status,
        delivery::dependencies,
        delivery::dependency,
        delivery::dependency_updates,
        delivery::post_dependency_status,
        delivery::blockers,
        delivery::cross_team,
        events::post_deployments,
        events::post_incidents,
        events::post_changes,
        delivery_metrics::keys,
        delivery_metrics::definitions,
        delivery_metrics::definition,
        register::debt,
        register::metrics,
        register::metric_check_ins,
        register::post_metric_check_in,
        revisions::revisions,
        revisions::revision,
        admin::users,
        admin::create_user,
        admin::tokens,
        admin::create_token,
        admin::delete_token,
        session::login,
        session::logout,
        session::me,
        ops::health,
        ops::metrics,
        ops::openapi,
    ),
    components(schemas(crate::error::ErrorBody))
)]
pub struct ApiDoc;

/// The document as pretty JSON, with a final newline.
pub fn json() -> String {
    let mut text = ApiDoc::openapi().to_pretty_json().unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}
