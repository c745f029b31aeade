// Builds as Create React App (cra-template-pwa) does, without React: the
// app bundle in build/static/js, asset-manifest.json, and
// build/service-worker.js from src/service-worker.js, bundled, with the
// precache manifest injected by Workbox's injectManifest (CRA's
// InjectManifest plugin does the same inside webpack).
import * as esbuild from "esbuild";
import { injectManifest } from "workbox-build";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";

const define = { "process.env.NODE_ENV": '"production"', "process.env.PUBLIC_URL": '""' };
rmSync("build", { recursive: true, force: true });
mkdirSync("build/static/js", { recursive: true });
cpSync("public", "build", { recursive: true });

await esbuild.build({ entryPoints: ["src/index.js"], bundle: true, minify: true, format: "iife", target: "es2017", define, outfile: "build/static/js/main.js" });
const hash = createHash("sha256").update(readFileSync("build/static/js/main.js")).digest("hex").slice(0, 8);
const main = `static/js/main.${hash}.js`;
renameSync("build/static/js/main.js", "build/" + main);
const html = readFileSync("build/index.html", "utf8").replace("%MAIN%", "/" + main);
writeFileSync("build/index.html", html);
writeFileSync("build/asset-manifest.json", JSON.stringify({ files: { "main.js": "/" + main, "index.html": "/index.html" }, entrypoints: [main] }, null, 2) + "\n");

await esbuild.build({ entryPoints: ["src/service-worker.js"], bundle: true, minify: true, format: "iife", target: "es2017", define, outfile: "sw-src.js" });
await injectManifest({ swSrc: "sw-src.js", swDest: "build/service-worker.js", globDirectory: "build", globPatterns: ["**/*.{js,html,json}"], globIgnores: ["service-worker.js"] });
rmSync("sw-src.js");
