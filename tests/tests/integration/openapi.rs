//! `GET /openapi.json` on a live server: valid JSON, OpenAPI 3.x, the route list the server
//! derives from it (`authport_server::routes()`) is the served document's, and every documented
//! route is really answered — and an unlisted path is 404.

use authport_testkit::TestApp;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_lists_every_route_the_server_answers() {
    let app = TestApp::on_memory().spawn().await;
    let response = app.get("/openapi.json").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let doc: Value = response.json().await.expect("the document is JSON");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "openapi: {}", doc["openapi"]);

    let documented: usize =
        doc["paths"].as_object().expect("paths").values().map(|p| p.as_object().map_or(0, |p| p.len())).sum();
    assert_eq!(authport_server::routes().len(), documented, "the route list is the served document's");
    for (method, path) in authport_server::routes() {
        let operation = &doc["paths"][path.as_str()][method.to_ascii_lowercase()];
        assert!(operation.is_object(), "{method} {path} is missing from the served document");
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let response = app.client.request(method.clone(), app.url(path)).send().await.expect("sent");
        let status = response.status().as_u16();
        assert!(status != 404 && status != 405, "{method} {path} is documented but answered {status}");
    }
    assert_eq!(app.get("/v1/not-documented").await.status(), 404);
    app.stop().await;
}
