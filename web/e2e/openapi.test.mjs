// Validates the API definition the running server serves at /api with
// swagger-parser (OpenAPI 3.0 schema and semantic rules, every $ref
// resolved), and that the landing page links it and its HTML page.
import { test } from "node:test";
import assert from "node:assert/strict";
import SwaggerParser from "@apidevtools/swagger-parser";

const BASE_URL = process.env.BASE_URL;

test("the API definition at /api is valid OpenAPI 3.0", async () => {
  const res = await fetch(`${BASE_URL}/api`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/vnd.oai.openapi+json;version=3.0");
  const doc = await res.json();
  const api = await SwaggerParser.validate(doc);
  assert.match(api.openapi, /^3\.0\./);
  assert.ok(api.paths["/collections/events/items"].post, "Part 4 create is described");
});

test("the documentation page is served from the binary", async () => {
  const res = await fetch(`${BASE_URL}/api.html`);
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.ok(html.includes("/api/hotspots"), "the page lists the operations");
  assert.ok(!/<script|<link|src=/.test(html), "the page loads nothing");
});
