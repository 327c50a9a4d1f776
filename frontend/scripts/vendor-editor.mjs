// Puts the two Label Studio editor builds Skylabel ships into public/vendor/label-studio-<version>/, with their
// licences beside them (the version in the folder name lets servers cache the bundles for good).
//
// - 1.4.0 (the default, src/editor/loader.ts): @heartexlabs/label-studio@1.4.0 is the last npm release with a
//   build (1.8.0 ships none), and installing it pulls ~214 runtime packages the prebuilt bundle never uses. So
//   the tarball is fetched with `npm pack` (npm's own registry settings and cache), checked against the pinned
//   integrity, and only the bundle, its stylesheet and its licence files are kept.
// - 1.13.1 (loaded only for configs that need a tag 1.4.0 lacks: VideoRectangle, the List/Ranker/Bucket ranking
//   of LS 1.9+, …): the last standalone editor build anywhere sits in the label-studio==1.13.1 *Python wheel*
//   (web/dist/libs/editor/; npm has none, later wheels ship only the integrated app). The wheel (82 MB) is
//   fetched with `pip download` (the repo's .venv python, else python3: pip's own index settings), checked
//   against the pinned sha256 and cached under node_modules/.cache so rebuilds do not download it again; the
//   files are taken out of it with Python's zipfile (no unzip needed). Its stylesheet points at two
//   root-absolute fonts (/static/fonts/Figtree-*.ttf, which 404 on our host); they ship in the same wheel, so
//   they are copied next to the CSS and the two URLs rewritten to relative ones. The same stylesheet sets
//   `body { font-family: Figtree !important }`, which would restyle the whole app: that rule is moved to the
//   editor's root element.
//
// Licences kept: each build's Apache-2.0 LICENSE and the bundles' third-party notices (main.js.LICENSE.txt;
// 1.13.1's 3rdpartylicenses.txt, which includes the LGPL-2.1-or-later text of @martel/audio-file-decoder, the
// unmodified FFmpeg WASM decoder shipped as static/js/decode-audio.wasm), plus the Figtree fonts' OFL-1.1
// (scripts/licenses/Figtree-OFL.txt, as the wheel carries no copy). NOTICE.md in each folder says where it came from.
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import {
  chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const vendor = join(root, "public", "vendor");
const cache = join(root, "node_modules", ".cache", "skylabel-editor");

export const EDITORS = {
  "1.4.0": {
    source: "npm",
    spec: "@heartexlabs/label-studio@1.4.0",
    integrity: "sha512-NczF2gDF/Whq7+xI3tYZLrAk8Pq6hacXhYEDmWfHAQIZ0eiieyrMxxHz4KIU7wnagComaGv+QJ2Zc6SBcBmuCg==",
    files: {
      "package/build/static/js/main.js": "main.js",
      "package/build/static/css/main.css": "main.css",
      "package/build/static/js/main.js.LICENSE.txt": "main.js.LICENSE.txt",
      "package/LICENSE": "LICENSE",
    },
  },
  "1.13.1": {
    source: "pypi",
    requirement: "label-studio==1.13.1",
    wheel: "label_studio-1.13.1-py3-none-any.whl",
    sha256: "ce99ae0f513c2cd29a41692bcd977bfd1c86605f1bc6840eda0735f58f717e10",
    files: {
      "web/dist/libs/editor/main.js": "main.js",
      "web/dist/libs/editor/main.css": "main.css",
      // A web worker and the FFmpeg audio decoder: fetched by the bundle from its own folder only when needed.
      "web/dist/libs/editor/772.js": "772.js",
      "web/dist/libs/editor/static/js/decode-audio.wasm": "static/js/decode-audio.wasm",
      "web/dist/libs/editor/main.js.LICENSE.txt": "main.js.LICENSE.txt",
      "web/dist/libs/editor/3rdpartylicenses.txt": "3rdpartylicenses.txt",
      "web/dist/libs/editor/version.json": "version.json",
      "label_studio-1.13.1.dist-info/LICENSE": "LICENSE",
      "label_studio/core/static/fonts/Figtree-Regular.ttf": "Figtree-Regular.ttf",
      "label_studio/core/static/fonts/Figtree-SemiBold.ttf": "Figtree-SemiBold.ttf",
    },
    // The bundle's icons, referenced by URL relative to main.js (hashed names; ~150 small SVGs).
    pattern: "^web/dist/libs/editor/[\\w.-]+\\.svg$",
    extra: { "scripts/licenses/Figtree-OFL.txt": "Figtree-OFL.txt" },
    css: [
      // Root-absolute font URLs (404 on our host): the fonts are copied next to the CSS.
      { from: "url(/static/fonts/Figtree-", to: "url(Figtree-", count: 2 },
      // `body { font-family: Figtree !important }` would restyle the whole app while this build is loaded:
      // keep the font on the editor (its root is .lsf-editor), as upstream's editor shows it.
      { from: "font-family:Figtree,sans-serif!important}", to: "}.lsf-editor{font-family:Figtree,sans-serif}", count: 1 },
    ],
  },
};

function digest(algorithm, path, encoding) {
  return createHash(algorithm).update(readFileSync(path)).digest(encoding);
}

/** What the stamp records: a folder made from other pins is made again. */
function stampOf(version, editor) {
  const edits = editor.css ? " " + createHash("sha256").update(JSON.stringify(editor.css)).digest("hex").slice(0, 12) : "";
  return `${version} ${editor.integrity ?? "sha256-" + editor.sha256}${edits}\n`;
}

function vendorNpm(version, editor, target, work) {
  const out = execFileSync("npm", ["pack", editor.spec, "--silent", "--pack-destination", work],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim().split("\n").pop();
  const tarball = join(work, out);
  const actual = "sha512-" + digest("sha512", tarball, "base64");
  if (actual !== editor.integrity) {
    throw new Error(`${editor.spec}: integrity ${actual} does not match the pinned ${editor.integrity}`);
  }
  execFileSync("tar", ["-xzf", tarball, "-C", work, ...Object.keys(editor.files)]);
  for (const [from, to] of Object.entries(editor.files)) copyFileSync(join(work, from), join(target, to));
  return `npm tarball ${editor.spec} (${editor.integrity})`;
}

function python() {
  const venv = join(root, "..", ".venv", "bin", "python");
  return existsSync(venv) ? venv : "python3";
}

/** The pinned wheel, from the cache or downloaded into it; a file that does not match the pin is never used. */
function wheelFor(editor) {
  const wheel = join(cache, editor.wheel);
  if (existsSync(wheel) && digest("sha256", wheel, "hex") === editor.sha256) return wheel;
  rmSync(wheel, { force: true });
  mkdirSync(cache, { recursive: true });
  const download = mkdtempSync(join(cache, "download-"));
  try {
    console.log(`downloading ${editor.requirement} (82 MB wheel, once; cached in node_modules/.cache/skylabel-editor)`);
    execFileSync(python(), ["-m", "pip", "download", editor.requirement, "--no-deps", "--only-binary=:all:",
      "--disable-pip-version-check", "--quiet", "--dest", download], { stdio: ["ignore", "inherit", "inherit"] });
    const fetched = join(download, editor.wheel);
    if (!existsSync(fetched)) throw new Error(`pip download ${editor.requirement} did not produce ${editor.wheel}`);
    const actual = digest("sha256", fetched, "hex");
    if (actual !== editor.sha256) {
      throw new Error(`${editor.wheel}: sha256 ${actual} does not match the pinned ${editor.sha256}`);
    }
    renameSync(fetched, wheel);
  } finally {
    rmSync(download, { recursive: true, force: true });
  }
  return wheel;
}

// Copies the named members (and those matching a pattern) out of a zip into a folder, under new names.
const EXTRACT = `
import json, os, re, sys, zipfile
wheel, target, spec = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
with zipfile.ZipFile(wheel) as z:
    names = dict(spec["files"])
    names.update({n: n.rsplit("/", 1)[1] for n in z.namelist() if re.match(spec["pattern"], n)})
    for name, to in names.items():
        data = z.read(name)  # KeyError names a member the pin promised and the wheel lacks
        path = os.path.join(target, to)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
`;

function vendorWheel(version, editor, target) {
  const wheel = wheelFor(editor);
  execFileSync(python(), ["-c", EXTRACT, wheel, target, JSON.stringify({ files: editor.files, pattern: editor.pattern })],
    { stdio: ["ignore", "inherit", "inherit"] });
  for (const [from, to] of Object.entries(editor.extra)) copyFileSync(join(root, from), join(target, to));
  const cssPath = join(target, "main.css");
  let css = readFileSync(cssPath, "utf8");
  for (const { from, to, count } of editor.css) {
    const found = css.split(from).length - 1;
    if (found !== count) throw new Error(`${version} main.css: expected ${count} × "${from}", found ${found}`);
    css = css.replaceAll(from, to);
  }
  writeFileSync(cssPath, css);
  return `${editor.wheel} from PyPI (sha256 ${editor.sha256}), folder web/dist/libs/editor/; main.css edited: ` +
    "the two Figtree font URLs made relative (the fonts come from label_studio/core/static/fonts/), and the " +
    "Figtree font-family moved from `body` (!important, which restyled the host page) to `.lsf-editor`";
}

function vendorOne(version, editor) {
  const target = join(vendor, `label-studio-${version}`);
  if (existsSync(join(target, "VERSION")) && readFileSync(join(target, "VERSION"), "utf8") === stampOf(version, editor)) return;
  // Made in a sibling folder and swapped in at the end: a build copying public/ meanwhile sees the old folder or
  // the new one, and a failure leaves no half-made folder behind a stamp.
  const next = mkdtempSync(join(vendor, `.label-studio-${version}-`));
  chmodSync(next, 0o755); // mkdtemp's 0700 would follow the folder into dist and hide it from another server user
  const work = mkdtempSync(join(tmpdir(), "skylabel-editor-"));
  try {
    const origin = editor.source === "npm" ? vendorNpm(version, editor, next, work) : vendorWheel(version, editor, next);
    writeFileSync(join(next, "NOTICE.md"),
      `Label Studio editor ${version}, Apache-2.0 (LICENSE), copied unmodified unless said here by ` +
      `frontend/scripts/vendor-editor.mjs from the ${origin}.\n` +
      "Third-party notices: main.js.LICENSE.txt" +
      (editor.source === "pypi"
        ? ", 3rdpartylicenses.txt (includes LGPL-2.1-or-later for @martel/audio-file-decoder, shipped unmodified as " +
          "static/js/decode-audio.wasm), Figtree-OFL.txt (the Figtree fonts, SIL OFL 1.1).\n"
        : ".\n"));
    writeFileSync(join(next, "VERSION"), stampOf(version, editor));
    rmSync(target, { recursive: true, force: true });
    renameSync(next, target);
    console.log(`vendored Label Studio editor ${version} into public/vendor/label-studio-${version}/`);
  } finally {
    rmSync(next, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
}

function main() {
  mkdirSync(vendor, { recursive: true });
  const wanted = new Set(Object.keys(EDITORS).map((version) => `label-studio-${version}`));
  for (const name of readdirSync(vendor)) {
    // Older versions, the unversioned folder of early builds and leftovers of an interrupted run.
    if (/^\.?label-studio/.test(name) && !wanted.has(name)) rmSync(join(vendor, name), { recursive: true, force: true });
  }
  for (const [version, editor] of Object.entries(EDITORS)) vendorOne(version, editor);
}

main();
