#!/usr/bin/env node
// A read-only npm registry on loopback that serves packed tarballs, for the install test
// (scripts/test-npm-install.sh): with it, `npx codex-fwd ...` and `npm install codex-fwd` run as
// the README prints them, and npm itself picks the platform package among the launcher's
// optional dependencies (by their os and cpu), as it will from registry.npmjs.org.
//
//   node scripts/npm-registry.js TARBALL...     prints "http://127.0.0.1:PORT/" once listening
//
// It answers GET /NAME with the package document (each tarball's package.json, its integrity
// and its URL) and GET /-/FILE with the tarball; anything else is a 404.
"use strict";

const crypto = require("crypto");
const fs = require("fs");
const http = require("http");
const path = require("path");
const zlib = require("zlib");

/// The package.json inside a packed tarball (package/package.json), read with no tar module:
/// a tar file is 512-byte headers, each followed by its file's contents padded to 512 bytes.
function packageJson(tgz) {
  const tar = zlib.gunzipSync(fs.readFileSync(tgz));
  for (let at = 0; at + 512 <= tar.length; ) {
    const name = tar.toString("utf8", at, at + 100).replace(/\0.*$/s, "");
    const size = parseInt(tar.toString("utf8", at + 124, at + 136).replace(/\0.*$/s, "").trim(), 8);
    if (!name) break;
    if (name === "package/package.json") {
      return JSON.parse(tar.toString("utf8", at + 512, at + 512 + size));
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`${tgz}: no package/package.json`);
}

const packages = {};
const files = {};
for (const tgz of process.argv.slice(2)) {
  const pkg = packageJson(tgz);
  const bytes = fs.readFileSync(tgz);
  const file = path.basename(tgz);
  files[file] = bytes;
  const doc = (packages[pkg.name] ||= { name: pkg.name, "dist-tags": {}, versions: {} });
  doc.versions[pkg.version] = {
    ...pkg,
    _id: `${pkg.name}@${pkg.version}`,
    dist: {
      tarball: `BASE-/${file}`,
      integrity: `sha512-${crypto.createHash("sha512").update(bytes).digest("base64")}`,
      shasum: crypto.createHash("sha1").update(bytes).digest("hex"),
    },
  };
  doc["dist-tags"].latest = pkg.version;
}

const server = http.createServer((req, res) => {
  const base = `http://${req.headers.host}/`;
  const url = decodeURIComponent(req.url.split("?")[0]).replace(/^\/+/, "");
  if (url.startsWith("-/") && files[url.slice(2)]) {
    res.writeHead(200, { "content-type": "application/octet-stream" });
    return res.end(files[url.slice(2)]);
  }
  const doc = packages[url];
  if (req.method === "GET" && doc) {
    res.writeHead(200, { "content-type": "application/json" });
    return res.end(JSON.stringify(doc).replaceAll("BASE-/", `${base}-/`));
  }
  res.writeHead(404, { "content-type": "application/json" });
  res.end('{"error":"not found"}');
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`http://127.0.0.1:${server.address().port}/\n`);
});
