//! `GET /openapi.json` on a live server: valid JSON, OpenAPI 3.x, holding every route the server
//! answers (`authport_server::ROUTES`, kept next to `routes()`; that the two lists are *equal* is
//! the server's unit test), each of which really is answered — and an unlisted path is 404.

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

    // That the document and `ROUTES` list the same routes is the server's unit test
    // (`openapi::tests`); here: the served document has each route, and each is really answered.
    for (method, path) in authport_server::ROUTES {
        let operation = &doc["paths"][*path][method.to_ascii_lowercase()];
        assert!(operation.is_object(), "{method} {path} is missing from the served document");
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let response = app.client.request(method.clone(), app.url(path)).send().await.expect("sent");
        let status = response.status().as_u16();
        assert!(status != 404 && status != 405, "{method} {path} is documented but answered {status}");
    }
    assert_eq!(app.get("/v1/not-documented").await.status(), 404);
    app.stop().await;
}
