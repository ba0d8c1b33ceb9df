// Fails when src/types is not what `npm run gen:types` would write now.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const committed = resolve(here, "..", "src", "types");
const fresh = mkdtempSync(join(tmpdir(), "cryptodesk-types-"));
try {
  execFileSync(process.execPath, [join(here, "gen-types.mjs"), fresh], { stdio: "inherit" });
  const stale = [];
  const names = new Set([...readdirSync(fresh), ...readdirSync(committed)]);
  for (const name of names) {
    const read = (dir) => {
      try {
        return readFileSync(join(dir, name), "utf8");
      } catch {
        return null;
      }
    };
    if (read(fresh) !== read(committed)) stale.push(name);
  }
  if (stale.length > 0) {
    console.error(
      `frontend/src/types is out of date (${stale.join(", ")}): run \`npm run gen:types\` in frontend/`,
    );
    process.exit(1);
  }
  console.log("generated types are up to date");
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
