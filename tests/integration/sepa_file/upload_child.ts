/**
 * A child process for the crash tests: makes one upload attempt and holds still at the point
 * `UPLOAD_PAUSE_AT` names, printing `paused at <point>`, until the test kills it.
 *
 * - `part`: once `UPLOAD_PAUSE_AFTER_BYTES` of the temporary file are on the server;
 * - `renamed`: after the rename, before Postgres records the upload.
 *
 * Environment: `DATABASE_URL`, `SFTP_DROP_CONFIG` (JSON of an SftpDropConfig).
 */
import { sftpDropOpener } from "../../../src/connectors/sepa_file/sftp_drop.ts";
import { uploadNextFile } from "../../../src/connectors/sepa_file/file_upload.ts";
import { testSql } from "../../helpers/database.ts";

const pauseAt = Deno.env.get("UPLOAD_PAUSE_AT");
const pauseAfterBytes = Number(Deno.env.get("UPLOAD_PAUSE_AFTER_BYTES") ?? "0");

function holdStill(point: string): Promise<never> {
  console.log(`paused at ${point}`);
  // A timer keeps the process alive: a bare pending promise would let Deno exit.
  setInterval(() => {}, 60_000);
  return new Promise<never>(() => {});
}

const sql = testSql(Deno.env.get("DATABASE_URL")!);
const open = sftpDropOpener(JSON.parse(Deno.env.get("SFTP_DROP_CONFIG")!));
const outcome = await uploadNextFile(sql, open, {
  worker: "crash-child",
  hooks: {
    onPartProgress: async (written) => {
      if (pauseAt === "part" && written >= pauseAfterBytes) await holdStill("part");
    },
    afterRename: async () => {
      if (pauseAt === "renamed") await holdStill("renamed");
    },
  },
});
console.log(`finished: ${JSON.stringify(outcome)}`);
await sql.end();
