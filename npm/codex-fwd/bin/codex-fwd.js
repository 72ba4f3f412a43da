#!/usr/bin/env node
// Runs the native codex-fwd binary from the platform package npm installed beside this one
// (one optional dependency per platform; npm installs only the one whose os and cpu match).
// Arguments, standard streams, the exit status and signals pass through unchanged.
"use strict";

const { spawn } = require("child_process");
const os = require("os");
const path = require("path");

// process.platform-process.arch -> the package that holds that platform's binary.
const PLATFORMS = {
  "linux-x64": "codex-fwd-linux-x64",
  "linux-arm64": "codex-fwd-linux-arm64",
  "win32-x64": "codex-fwd-win32-x64",
  "darwin-x64": "codex-fwd-darwin-x64",
  "darwin-arm64": "codex-fwd-darwin-arm64",
};
// The packages this build of the launcher was released with (the release script fills this in;
// a platform missing here was not built, and saying so beats a confusing resolve error).
const SHIPPED = /* @SHIPPED@ */ Object.keys(PLATFORMS);

function fail(message, status = 1) {
  process.stderr.write(`codex-fwd: ${message}\n`);
  process.exit(status);
}

// Node decodes arguments as UTF-8 and replaces bytes that are not (a Latin-1 file name) with
// U+FFFD, and so does npm before `npx` runs this launcher: the binary would get another argument,
// and `-F caf\xe9.cfg enable` would write a new file named otherwise. The bytes are gone by
// now; an argument with U+FFFD in it is refused rather than passed on altered.
function checkArguments(args) {
  args.forEach((arg, i) => {
    if (arg.includes("\uFFFD")) {
      fail(
        `argument ${i + 1} (${JSON.stringify(arg)}) has bytes that are not UTF-8 (shown as ` +
          "U+FFFD), which node does not pass on unchanged; run the binary itself: " +
          JSON.stringify(binary),
        2,
      );
    }
  });
}

const key = `${process.platform}-${process.arch}`;
const pkg = PLATFORMS[key];
if (!pkg || !SHIPPED.includes(key)) {
  fail(
    `no prebuilt binary for ${key} (there are for ${SHIPPED.join(", ")}); ` +
      "build it from source with `cargo install codex-fwd`",
  );
}

let binary;
try {
  const dir = path.dirname(require.resolve(`${pkg}/package.json`));
  binary = path.join(dir, "bin", process.platform === "win32" ? "codex-fwd.exe" : "codex-fwd");
} catch (e) {
  fail(
    `the package ${pkg}, which holds the binary for ${key}, is not installed ` +
      "(optional dependencies omitted?); reinstall with `npm install codex-fwd` " +
      "without --omit=optional or --no-optional",
  );
}

checkArguments(process.argv.slice(2));

const child = spawn(binary, process.argv.slice(2), { stdio: "inherit", windowsHide: false });

// A signal sent to this process alone (kill PID, a process manager) goes on to the binary, which
// cleans up (login and tunnel stop ssh and close its forwards). Ctrl-C on a terminal reaches both
// processes at once; the binary handles a repeated signal the same as one. On Windows the console
// gives Ctrl-C to the binary itself, and "sending" a signal there would kill it outright
// (TerminateProcess) before it stops ssh: the launcher only stays alive until the binary exits.
const forwarded = ["SIGINT", "SIGTERM", "SIGHUP"];
const handlers = {};
for (const signal of forwarded) {
  handlers[signal] = () => {
    if (process.platform === "win32") return;
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill(signal);
      } catch (_) {
        // The child has just exited; its exit is handled below.
      }
    }
  };
  process.on(signal, handlers[signal]);
}

child.on("error", (e) => {
  fail(`cannot run ${binary}: ${e.message}`);
});

child.on("exit", (code, signal) => {
  for (const s of forwarded) process.removeListener(s, handlers[s]);
  if (signal) {
    // End the same way, so a shell sees "killed by SIGTERM" (exit status 128+n), not a code.
    process.kill(process.pid, signal);
    // A signal whose default is not to end the process: exit as a shell would report it.
    setTimeout(() => process.exit(128 + (os.constants.signals[signal] || 0)), 100);
    return;
  }
  process.exit(code === null ? 1 : code);
});
