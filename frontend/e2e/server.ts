// Global setup of the browser tests: one Skylabel server for the whole run, on a free port, with a data dir
// of its own that is removed afterwards, serving the freshly built app in ../dist.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    baseURL: string;
  }
}

const ROOT = resolve(import.meta.dirname, "..", "..");

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => done(port));
    });
  });
}

async function waitUntilUp(url: string, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`skylabel start exited with ${server.exitCode}:\n${log()}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`skylabel start did not answer within 30 s:\n${log()}`);
}

export default async function setup(project: TestProject) {
  const dist = join(ROOT, "frontend", "dist");
  if (!existsSync(join(dist, "index.html"))) throw new Error("frontend/dist is missing: run `make install` first.");
  const binary = join(ROOT, ".venv", "bin", "skylabel");
  const dataDir = mkdtempSync(join(tmpdir(), "skylabel-e2e-"));
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  let output = "";
  const server = spawn(binary, ["start", "--port", String(port), "--data-dir", dataDir, "--frontend-dir", dist], {
    cwd: ROOT,
    env: { ...process.env, SKYLABEL_ALLOW_SIGNUP: "true" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  server.stdout?.on("data", (chunk) => (output += chunk));
  server.stderr?.on("data", (chunk) => (output += chunk));
  await waitUntilUp(baseURL, server, () => output);
  project.provide("baseURL", baseURL);
  return async () => {
    server.kill("SIGTERM");
    await new Promise((r) => (server.exitCode !== null ? r(null) : server.once("exit", r)));
    rmSync(dataDir, { recursive: true, force: true });
  };
}
