import assert from "node:assert/strict";
import type postgres from "postgres";
import { sftpDropOpener } from "../../../src/connectors/sepa_file/sftp_drop.ts";
import {
  uploadDueFiles,
  uploadNextFile,
  type UploadOptions,
  type UploadOutcome,
} from "../../../src/connectors/sepa_file/file_upload.ts";
import {
  findSepaFile,
  insertSepaFile,
  type SepaFile,
} from "../../../src/connectors/sepa_file/sepa_files.repository.ts";
import { withTestDatabase } from "../../helpers/database.ts";
import type { OpenBankDrop } from "../../../src/connectors/sepa_file/bank_drop.ts";
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

// Retries come back at once, so tests wait on the outcome, not on a backoff.
const FAST_RETRY = { retryBaseMs: 1, retryMaxMs: 1 };

function options(overrides: Partial<UploadOptions> = {}): UploadOptions {
  return { worker: `test-${crypto.randomUUID().slice(0, 8)}`, ...FAST_RETRY, ...overrides };
}

interface Rig {
  sql: postgres.Sql;
  server: SftpServer;
  /** Opens the test server's drop. */
  open: OpenBankDrop;
  /** One `uploadNextFile` through `open`, as a fresh worker with `overrides`. */
  upload(overrides?: Partial<UploadOptions>): Promise<UploadOutcome | null>;
}

async function withRig(fn: (rig: Rig) => Promise<void>): Promise<void> {
  await withSftpServer((server) =>
    withTestDatabase(({ sql }) => {
      const open = sftpDropOpener(dropConfig(server));
      const upload = (overrides?: Partial<UploadOptions>) =>
        uploadNextFile(sql, open, options(overrides));
      return fn({ sql, server, open, upload });
    })
  );
}

async function assertDeliveredOnce(server: SftpServer, file: SepaFile): Promise<void> {
  assert.deepEqual(inboundNames(server), [file.name], "one final file and no temporary one");
  assert.equal(await Deno.readTextFile(inboundPath(server, file.name)), file.xml);
}

Deno.test("a built file is uploaded once, and the bank's copy is the file byte for byte", async () => {
  await withRig(async ({ sql, server, upload }) => {
    const file = await insertSepaFile(sql, newSepaFile(700_000));
    const outcome = await upload();
    assert.equal(outcome?.status, "uploaded");
    await assertDeliveredOnce(server, file);
    const stored = await findSepaFile(sql, file.id);
    assert.equal(stored?.status, "uploaded");
    assert.equal(stored?.attempts, 1);
    assert.ok(stored?.uploadedAt);
    // Nothing is due any more.
    assert.equal(await upload(), null);
  });
});

Deno.test("two uploaders started together upload the file once", async () => {
  await withRig(async ({ sql, server, upload }) => {
    const file = await insertSepaFile(sql, newSepaFile());
    const outcomes = await Promise.all([
      upload(),
      upload(),
    ]);
    const statuses = outcomes.map((outcome) => outcome?.status ?? "nothing due");
    assert.deepEqual(statuses.sort(), ["nothing due", "uploaded"]);
    await assertDeliveredOnce(server, file);
    assert.equal((await findSepaFile(sql, file.id))?.attempts, 1);
  });
});

Deno.test("an uploader that loses its lease mid-write does not rename; its successor uploads once", async () => {
  await withRig(async ({ sql, server, upload }) => {
    const file = await insertSepaFile(sql, newSepaFile(600_000));
    let successor: UploadOutcome | null = null;
    const first = await upload({
      hooks: {
        onPartProgress: async () => {
          if (successor) return;
          // First uploader stalls long enough for its lease to run out.
          await expireLease(sql, file.id);
          successor = await upload();
        },
      },
    });
    assert.equal(first?.status, "lease_lost");
    assert.equal(successor!.status, "uploaded");
    await assertDeliveredOnce(server, file);
    assert.equal((await findSepaFile(sql, file.id))?.status, "uploaded");
  });
});

Deno.test("an uploader whose lease ran out just before its rename finds its successor's file: one file", async () => {
  await withRig(async ({ sql, server, upload }) => {
    const file = await insertSepaFile(sql, newSepaFile());
    let successor: UploadOutcome | null = null;
    const first = await upload({
      hooks: {
        beforeRename: async () => {
          await expireLease(sql, file.id);
          successor = await upload();
        },
      },
    });
    assert.equal(successor!.status, "uploaded");
    // Its rename was refused (the name was taken) and the content it found is its own.
    assert.equal(first?.status, "found");
    await assertDeliveredOnce(server, file);
  });
});

Deno.test("the server freezing mid-upload fails the attempt within the timeout; the file arrives once after", async () => {
  await withRig(async ({ sql, server, upload }) => {
    const file = await insertSepaFile(sql, newSepaFile(600_000));
    let paused = false;
    const failed = await upload({
      hooks: {
        onPartProgress: async () => {
          if (!paused) await server.pause();
          paused = true;
        },
      },
    });
    assert.equal(failed?.status, "failed");
    assert.match(failed?.status === "failed" ? failed.error : "", /took longer than/);
    const stored = await findSepaFile(sql, file.id);
    assert.equal(stored?.status, "built");
    assert.equal(stored?.attempts, 1);
    assert.match(stored?.lastError ?? "", /took longer than/);

    await server.resume();
    const retried = await waitFor(() => upload(), {
      message: "the retry to be due",
    });
    assert.equal(retried.status, "uploaded");
    await assertDeliveredOnce(server, file);
    assert.equal((await findSepaFile(sql, file.id))?.attempts, 2);
  });
});

Deno.test("a server that is down fails the attempt and keeps the file; after its restart it arrives once", async () => {
  await withRig(async ({ sql, server, upload }) => {
    const file = await insertSepaFile(sql, newSepaFile());
    await server.kill();
    const failed = await upload();
    assert.equal(failed?.status, "failed");
    assert.equal((await findSepaFile(sql, file.id))?.status, "built");

    await server.start();
    const retried = await waitFor(() => upload(), {
      message: "the retry to be due",
    });
    assert.equal(retried.status, "uploaded");
    await assertDeliveredOnce(server, file);
  });
});

Deno.test("a rename sent to a freezing server is settled by the next attempt: the file arrives once", async () => {
  await withRig(async ({ sql, server, upload }) => {
    const file = await insertSepaFile(sql, newSepaFile());
    const failed = await upload({
      hooks: { beforeRename: () => server.pause() },
    });
    assert.equal(failed?.status, "failed");
    await server.resume();
    // The frozen server may or may not carry the rename out once thawed; either way the
    // next attempt leaves exactly one file.
    const retried = await waitFor(() => upload(), {
      message: "the retry to be due",
    });
    assert.ok(["found", "uploaded"].includes(retried.status), retried.status);
    await assertDeliveredOnce(server, file);
    assert.equal((await findSepaFile(sql, file.id))?.status, "uploaded");
  });
});

Deno.test("a final name holding other content is never overwritten", async () => {
  await withRig(async ({ sql, server, upload }) => {
    const file = await insertSepaFile(sql, newSepaFile());
    await Deno.writeTextFile(inboundPath(server, file.name), "someone else's file");
    const outcome = await upload();
    assert.equal(outcome?.status, "failed");
    assert.equal(await Deno.readTextFile(inboundPath(server, file.name)), "someone else's file");
    const stored = await findSepaFile(sql, file.id);
    assert.equal(stored?.status, "built");
    assert.match(stored?.lastError ?? "", /other content/);
  });
});

Deno.test("uploading the due files sends each once, and stops at the first failure", async () => {
  await withRig(async ({ sql, server, open }) => {
    const first = [
      await insertSepaFile(sql, newSepaFile()),
      await insertSepaFile(sql, newSepaFile()),
    ];
    const outcomes = await uploadDueFiles(sql, open, options());
    assert.deepEqual(outcomes.map((o) => o.status), ["uploaded", "uploaded"]);
    assert.deepEqual(inboundNames(server), first.map((f) => f.name).sort());

    await insertSepaFile(sql, newSepaFile());
    await insertSepaFile(sql, newSepaFile());
    await server.kill();
    const down = await uploadDueFiles(sql, open, options({ retryBaseMs: 60_000 }));
    assert.deepEqual(down.map((o) => o.status), ["failed"], "the second is not tried");
  });
});
