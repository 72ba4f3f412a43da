#!/usr/bin/env node
// Lays out the npm packages of a release, ready for `npm pack`, in the Codex CLI's style: a
// launcher package `codex-fwd` with one optional dependency per platform, and one package per
// platform holding that platform's binary (its `os` and `cpu` let npm install only the one that
// matches).
//
//   node npm/assemble.js OUT_DIR VERSION PLATFORM=BINARY...     (PLATFORM: linux-x64, win32-x64, ...)
//
// Called by scripts/release.sh; writes OUT_DIR/codex-fwd and OUT_DIR/codex-fwd-PLATFORM.
"use strict";

const fs = require("fs");
const path = require("path");

const [out, version, ...pairs] = process.argv.slice(2);
if (!out || !version || pairs.length === 0) {
  process.stderr.write("usage: node npm/assemble.js OUT_DIR VERSION PLATFORM=BINARY...\n");
  process.exit(2);
}

const root = path.resolve(__dirname, "..");
const repository = {
  type: "git",
  url: "git+https://github.com/codex-fwd/codex-fwd.git",
};
const common = {
  version,
  license: "MIT OR Apache-2.0",
  repository,
  homepage: "https://github.com/codex-fwd/codex-fwd#readme",
  engines: { node: ">=16" },
};

function write(dir, file, text, mode) {
  fs.mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
  fs.writeFileSync(path.join(dir, file), text);
  if (mode) fs.chmodSync(path.join(dir, file), mode);
}

function licenses(dir) {
  for (const f of ["LICENSE-MIT", "LICENSE-APACHE"]) {
    write(dir, f, fs.readFileSync(path.join(root, f)));
  }
}

const platforms = [];
for (const pair of pairs) {
  const eq = pair.indexOf("=");
  const platform = pair.slice(0, eq);
  const binary = pair.slice(eq + 1);
  const [os, cpu] = platform.split("-");
  if (eq < 0 || !os || !cpu || !fs.existsSync(binary)) {
    process.stderr.write(`assemble: bad PLATFORM=BINARY pair, or no such binary: ${pair}\n`);
    process.exit(2);
  }
  platforms.push(platform);
  const name = `codex-fwd-${platform}`;
  const dir = path.join(out, name);
  fs.rmSync(dir, { recursive: true, force: true });
  const exe = os === "win32" ? "codex-fwd.exe" : "codex-fwd";
  write(dir, path.join("bin", exe), fs.readFileSync(binary), 0o755);
  licenses(dir);
  write(
    dir,
    "README.md",
    `# ${name}\n\nThe \`codex-fwd\` binary for ${platform}. Install \`codex-fwd\` instead ` +
      "(`npx codex-fwd login myserver`); it picks this package on this platform.\n",
  );
  const pkg = {
    name,
    ...common,
    description: `The codex-fwd binary for ${platform} (install codex-fwd, which picks it)`,
    os: [os],
    cpu: [cpu],
    files: ["bin", "LICENSE-MIT", "LICENSE-APACHE"],
    preferUnplugged: true,
  };
  write(dir, "package.json", JSON.stringify(pkg, null, 2) + "\n");
}

// The launcher: its optional dependencies are exactly the platforms of this release.
const dir = path.join(out, "codex-fwd");
fs.rmSync(dir, { recursive: true, force: true });
const launcher = fs
  .readFileSync(path.join(__dirname, "codex-fwd", "bin", "codex-fwd.js"), "utf8")
  .replace("/* @SHIPPED@ */ Object.keys(PLATFORMS)", JSON.stringify(platforms));
if (!launcher.includes(JSON.stringify(platforms))) {
  process.stderr.write("assemble: the launcher has no @SHIPPED@ marker\n");
  process.exit(1);
}
write(dir, "bin/codex-fwd.js", launcher, 0o755);
write(dir, "README.md", fs.readFileSync(path.join(__dirname, "codex-fwd", "README.md")));
licenses(dir);
const pkg = {
  name: "codex-fwd",
  ...common,
  description:
    "Make the Codex CLI's browser login work on a remote machine over SSH: npx codex-fwd login myserver",
  keywords: ["codex", "ssh", "port-forwarding", "oauth", "login", "cli"],
  bin: { "codex-fwd": "bin/codex-fwd.js" },
  files: ["bin/codex-fwd.js", "LICENSE-MIT", "LICENSE-APACHE"],
  optionalDependencies: Object.fromEntries(platforms.map((p) => [`codex-fwd-${p}`, version])),
};
write(dir, "package.json", JSON.stringify(pkg, null, 2) + "\n");
