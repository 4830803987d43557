import assert from "node:assert/strict";
import type postgres from "postgres";
import { sftpDropOpener } from "../../../src/connectors/sepa_file/sftp_drop.ts";
import { partName, uploadNextFile } from "../../../src/connectors/sepa_file/file_upload.ts";
import {
  findSepaFile,
  insertSepaFile,
  resolveInDoubt,
  type SepaFile,
} from "../../../src/connectors/sepa_file/sepa_files.repository.ts";
import { type TestDatabase, withTestDatabase } from "../../helpers/database.ts";
import { captureOutput } from "../../helpers/processes.ts";
import type { SftpServer } from "../../../scripts/bank/sftp_server.ts";
import { waitFor } from "../../helpers/wait.ts";
import {
  dropConfig,
  expireLease,
  inboundNames,
  inboundPath,
  newSepaFile,
  withSftpServer,
} from "./sepa_fixtures.ts";

const CHILD = new URL("./upload_child.ts", import.meta.url).pathname;

/** Runs one upload attempt in a child process until it says it holds at `point`, then SIGKILLs it. */
async function killUploaderAt(
  db: TestDatabase,
  server: SftpServer,
  env: Record<string, string>,
): Promise<void> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-env", "--allow-read", "--allow-sys", CHILD],
    env: {
      DATABASE_URL: db.url,
      SFTP_DROP_CONFIG: JSON.stringify(dropConfig(server)),
      NO_COLOR: "1",
      ...env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const { output, status } = captureOutput(child);
  try {
    await waitFor(() => output().includes(`paused at ${env.UPLOAD_PAUSE_AT}`), {
      message: `the uploader to hold at ${env.UPLOAD_PAUSE_AT}`,
    }).catch((error) => {
      throw new Error(`${error.message}\nchild output:\n${output()}`);
    });
  } finally {
    child.kill("SIGKILL");
    assert.equal((await status).signal, "SIGKILL");
  }
}

/** A restarted uploader: takes the dead one's file over once its lease has run out. */
async function restartUploader(sql: postgres.Sql, server: SftpServer, file: SepaFile) {
  await expireLease(sql, file.id);
  const outcome = await uploadNextFile(sql, sftpDropOpener(dropConfig(server)), {
    worker: "restarted",
  });
  assert.equal(outcome?.id, file.id);
  return outcome!;
}

Deno.test("an uploader killed while writing the temporary file: after a restart the file is there once", async () => {
  await withSftpServer((server) =>
    withTestDatabase(async (db) => {
      const size = 2_000_000;
      const file = await insertSepaFile(db.sql, newSepaFile(size));
      await killUploaderAt(db, server, {
        UPLOAD_PAUSE_AT: "part",
        UPLOAD_PAUSE_AFTER_BYTES: String(256 * 1024),
      });
      // Killed mid-way: a temporary file, short of the whole, and no final one.
      const before = await db.sql<{ lease_token: string }[]>`
        select lease_token from sepa_files where id = ${file.id}`;
      const part = partName(file.name, before[0].lease_token);
      assert.deepEqual(inboundNames(server), [part]);
      const partial = (await Deno.stat(inboundPath(server, part))).size;
      assert.ok(partial > 0 && partial < new TextEncoder().encode(file.xml).length, `${partial}`);
      assert.equal((await findSepaFile(db.sql, file.id))?.status, "uploading");

      const outcome = await restartUploader(db.sql, server, file);
      assert.equal(outcome.status, "uploaded");
      assert.deepEqual(inboundNames(server), [file.name], "one file, the dead attempt's removed");
      assert.equal(await Deno.readTextFile(inboundPath(server, file.name)), file.xml);
      const stored = await findSepaFile(db.sql, file.id);
      assert.equal(stored?.status, "uploaded");
      assert.equal(stored?.attempts, 2);
    })
  );
});

Deno.test("an uploader killed after its rename, before recording it: the restart records it without sending again", async () => {
  await withSftpServer((server) =>
    withTestDatabase(async (db) => {
      const file = await insertSepaFile(db.sql, newSepaFile());
      await killUploaderAt(db, server, { UPLOAD_PAUSE_AT: "renamed" });
      assert.deepEqual(inboundNames(server), [file.name]);
      assert.equal((await findSepaFile(db.sql, file.id))?.status, "uploading");
      const delivered = await Deno.stat(inboundPath(server, file.name));

      const outcome = await restartUploader(db.sql, server, file);
      assert.equal(outcome.status, "found");
      // The very file the dead uploader renamed: not rewritten, not replaced.
      const after = await Deno.stat(inboundPath(server, file.name));
      assert.equal(after.ino, delivered.ino);
      assert.equal(after.mtime?.getTime(), delivered.mtime?.getTime());
      assert.equal(after.ctime?.getTime(), delivered.ctime?.getTime());
      assert.deepEqual(inboundNames(server), [file.name]);
      assert.equal(await Deno.readTextFile(inboundPath(server, file.name)), file.xml);
      assert.equal((await findSepaFile(db.sql, file.id))?.status, "uploaded");
    })
  );
});

Deno.test("killed after its rename, and the bank took the file before the restart: in doubt, not sent again", async () => {
  await withSftpServer((server) =>
    withTestDatabase(async (db) => {
      const file = await insertSepaFile(db.sql, newSepaFile());
      await killUploaderAt(db, server, { UPLOAD_PAUSE_AT: "renamed" });
      // The bank processes inbound files and moves them away.
      await Deno.remove(inboundPath(server, file.name));

      const outcome = await restartUploader(db.sql, server, file);
      assert.equal(outcome.status, "in_doubt");
      assert.deepEqual(inboundNames(server), [], "nothing sent again");
      const stored = await findSepaFile(db.sql, file.id);
      assert.equal(stored?.status, "in_doubt");
      assert.match(stored?.lastError ?? "", /may have received/);
      // Parked: no uploader picks it up again.
      const open = sftpDropOpener(dropConfig(server));
      assert.equal(await uploadNextFile(db.sql, open, { worker: "later" }), null);
      // Until an operator, told by the bank that it never arrived, sends it again.
      assert.ok(await resolveInDoubt(db.sql, file.id, "retry"));
      assert.equal((await uploadNextFile(db.sql, open, { worker: "later" }))?.status, "uploaded");
      assert.deepEqual(inboundNames(server), [file.name]);
    })
  );
});
