// Copies the Label Studio editor's two built files (and its licences) into public/vendor/label-studio-<version>/
// (the version in the folder name lets servers cache the 2 MB bundle for good).
//
// Why not an npm dependency: @heartexlabs/label-studio@1.4.0 is the last release with a build
// (1.8.0 ships none), and installing it pulls ~214 runtime packages the prebuilt bundle never uses.
// So the tarball is fetched with `npm pack` (npm's own registry settings and cache), checked against
// the integrity pinned below, and only the bundle, its stylesheet and its licence files are kept.
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const EDITOR = {
  spec: "@heartexlabs/label-studio@1.4.0",
  version: "1.4.0",
  integrity: "sha512-NczF2gDF/Whq7+xI3tYZLrAk8Pq6hacXhYEDmWfHAQIZ0eiieyrMxxHz4KIU7wnagComaGv+QJ2Zc6SBcBmuCg==",
  files: {
    "package/build/static/js/main.js": "main.js",
    "package/build/static/css/main.css": "main.css",
    "package/build/static/js/main.js.LICENSE.txt": "main.js.LICENSE.txt",
    "package/LICENSE": "LICENSE",
  },
};

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const vendor = join(root, "public", "vendor");
const target = join(vendor, `label-studio-${EDITOR.version}`);
const stamp = join(target, "VERSION");

function integrityOf(path) {
  return "sha512-" + createHash("sha512").update(readFileSync(path)).digest("base64");
}

function main() {
  if (existsSync(stamp) && readFileSync(stamp, "utf8").trim() === EDITOR.version) return;
  const work = mkdtempSync(join(tmpdir(), "skylabel-editor-"));
  try {
    const out = execFileSync("npm", ["pack", EDITOR.spec, "--silent", "--pack-destination", work],
      { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim().split("\n").pop();
    const tarball = join(work, out);
    const actual = integrityOf(tarball);
    if (actual !== EDITOR.integrity) {
      throw new Error(`${EDITOR.spec}: integrity ${actual} does not match the pinned ${EDITOR.integrity}`);
    }
    execFileSync("tar", ["-xzf", tarball, "-C", work, ...Object.keys(EDITOR.files)]);
    rmSync(vendor, { recursive: true, force: true });
    mkdirSync(target, { recursive: true });
    for (const [from, to] of Object.entries(EDITOR.files)) copyFileSync(join(work, from), join(target, to));
    writeFileSync(stamp, EDITOR.version + "\n");
    console.log(`vendored ${EDITOR.spec} into public/vendor/label-studio-${EDITOR.version}/`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
