// Validate API documents with @apidevtools/swagger-parser (Swagger 2.0 and
// OpenAPI 3.x): node validate-openapi.mjs FILE... ; prints one JSON line
// per file {file, ok, error?} and exits 1 if any is invalid. Used by
// tests/integration/test_apidocs.py.
import SwaggerParser from "@apidevtools/swagger-parser";

let bad = 0;
for (const file of process.argv.slice(2)) {
  try {
    await SwaggerParser.validate(file);
    console.log(JSON.stringify({ file, ok: true }));
  } catch (e) {
    bad++;
    console.log(JSON.stringify({ file, ok: false, error: String(e.message).slice(0, 2000) }));
  }
}
process.exit(bad ? 1 : 0);
