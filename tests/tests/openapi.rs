//! `GET /openapi.json` on a live server: valid JSON, OpenAPI 3.x, and it lists exactly the
//! routes the server answers (`authport_server::ROUTES`, kept next to `routes()`), each of
//! which really is answered (neither 404 nor 405) — and a path it does not list is 404.

use std::collections::BTreeSet;

use authport_conformance::{Backend, TestApp};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_lists_every_route_the_server_answers() {
    let app = TestApp::spawn(Backend::Memory).await.expect("memory backend");
    let response = app.get("/openapi.json").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let doc: Value = response.json().await.expect("the document is JSON");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "openapi: {}", doc["openapi"]);

    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            item.as_object().expect("path item").keys().map(move |method| (method.to_uppercase(), path.clone()))
        })
        .collect();
    let served: BTreeSet<(String, String)> =
        authport_server::ROUTES.iter().map(|(m, p)| ((*m).to_owned(), (*p).to_owned())).collect();
    assert_eq!(documented, served);

    for (method, path) in &served {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let response = app.client.request(method.clone(), app.url(path)).send().await.expect("sent");
        let status = response.status().as_u16();
        assert!(status != 404 && status != 405, "{method} {path} is documented but answered {status}");
    }
    assert_eq!(app.get("/v1/not-documented").await.status(), 404);
    app.stop().await;
}
