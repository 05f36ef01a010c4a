// Copies the page's third-party assets from node_modules into the Python package, with their licences.
// The copies are committed: `eventlens serve` never needs npm or the network at run time.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "eventlens", "serve", "static", "vendor");
mkdirSync(out, { recursive: true });
const files = [
  // Natural Earth 1:50m country outlines as TopoJSON (public domain data, ISC-licensed packaging).
  ["world-atlas/countries-50m.json", "countries-50m.json"],
  ["world-atlas/LICENSE", "LICENSE-world-atlas.txt"],
  ["topojson-client/dist/topojson-client.min.js", "topojson-client.min.js"],
  ["topojson-client/LICENSE", "LICENSE-topojson-client.txt"],
  // Swagger UI for /docs, which FastAPI would otherwise load from a CDN.
  ["swagger-ui-dist/swagger-ui-bundle.js", "swagger-ui-bundle.js"],
  ["swagger-ui-dist/swagger-ui-bundle.js.LICENSE.txt", "swagger-ui-bundle.js.LICENSE.txt"],
  ["swagger-ui-dist/swagger-ui.css", "swagger-ui.css"],
  ["swagger-ui-dist/LICENSE", "LICENSE-swagger-ui.txt"],
];
for (const [src, dst] of files) {
  copyFileSync(join(here, "node_modules", src), join(out, dst));
  console.log(`vendored ${src} -> ${dst}`);
}
