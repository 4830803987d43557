/**
 * Headless Debian Chromium driven by playwright-core, for the browser tests. A test that
 * needs it asks `chromiumMissing(what)` for its `ignore:` flag: without /usr/bin/chromium
 * it is skipped with a loud warning naming what was not tested.
 */
import fs from "node:fs";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-quic",
  "--disable-sync",
];

/** True (after a warning) when Chromium is not installed, so the test must be skipped. */
export function chromiumMissing(what: string): boolean {
  try {
    if (Deno.statSync(CHROMIUM).isFile) return false;
  } catch {
    // missing: warn below
  }
  console.warn(
    `\n!!! SKIPPING the ${what} browser test: ${CHROMIUM} is missing. ` +
      "Install it with `apt-get install -y chromium` to run it. !!!\n",
  );
  return true;
}

/**
 * playwright-core probes `/proc/sys/fs/binfmt_misc/WSLInterop` with fs.existsSync when it
 * loads. Deno treats /proc/sys as privileged and throws NotCapable unless --allow-all is
 * given, where Node would answer false. Answer false for denied paths, as Node does for
 * any path it cannot stat, so the tests run with the suite's ordinary permissions.
 */
function tolerateDeniedExistsSync(): void {
  const existsSync = fs.existsSync;
  const patched = (path: fs.PathLike) => {
    try {
      return existsSync(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotCapable) return false;
      throw error;
    }
  };
  Object.assign(fs, { existsSync: patched });
}

/** Launches headless Chromium; the caller closes it. */
export async function launchChromium() {
  tolerateDeniedExistsSync();
  const { chromium } = await import("playwright-core");
  return await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export type Browser = Awaited<ReturnType<typeof launchChromium>>;
