import assert from "node:assert/strict";
import {
  HostKeyMismatchError,
  RemoteFileExistsError,
} from "../../../src/connectors/sepa_file/bank_drop.ts";
import { openSftpDrop } from "../../../src/connectors/sepa_file/sftp_drop.ts";
import { TimeoutError } from "../../../src/runtime/with_timeout.ts";
import { dropConfig, inboundNames, inboundPath, withSftpServer } from "./sepa_fixtures.ts";

const encode = (text: string) => new TextEncoder().encode(text);

Deno.test("the SFTP drop writes a file whole, in chunks, and reads it back", async () => {
  await withSftpServer(async (server) => {
    const drop = await openSftpDrop(dropConfig(server));
    try {
      // Several chunks and a ragged end.
      const bytes = crypto.getRandomValues(new Uint8Array(65_536)).map((b, i) => b ^ i);
      const big = new Uint8Array(600_001).map((_, i) => bytes[i % bytes.length]);
      const progress: number[] = [];
      await drop.writeFile("big.bin", big, (written) => void progress.push(written));
      assert.deepEqual(await Deno.readFile(inboundPath(server, "big.bin")), big);
      assert.deepEqual(await drop.readFile("big.bin"), big);
      assert.equal(progress.at(-1), big.length);
      assert.ok(progress.length > 1, "one progress report per chunk");
      assert.equal((await drop.stat("big.bin"))?.size, big.length);
      assert.equal(await drop.stat("missing.bin"), null);
      assert.equal(await drop.exists("missing.bin"), false);
    } finally {
      await drop.close();
    }
  });
});

Deno.test("a rename onto an existing file is refused and replaces nothing", async () => {
  await withSftpServer(async (server) => {
    const drop = await openSftpDrop(dropConfig(server));
    try {
      await drop.writeFile("first.part", encode("first"));
      await drop.rename("first.part", "final.xml");
      await drop.writeFile("second.part", encode("second"));
      await assert.rejects(drop.rename("second.part", "final.xml"), RemoteFileExistsError);
      assert.equal(await Deno.readTextFile(inboundPath(server, "final.xml")), "first");
      assert.deepEqual(inboundNames(server), ["final.xml", "second.part"]);
      await drop.remove("second.part");
      await drop.remove("second.part"); // a missing file is fine
      assert.deepEqual((await drop.listInbound()).map((f) => f.name), ["final.xml"]);
    } finally {
      await drop.close();
    }
  });
});

Deno.test("a server whose host key is not the pinned one is refused", async () => {
  await withSftpServer(async (server) => {
    const pinned = "SHA256:" + "A".repeat(43);
    const error = await openSftpDrop(dropConfig(server, { hostKeyFingerprint: pinned })).then(
      () => assert.fail("connected to a server with another host key"),
      (error) => error,
    );
    assert.ok(error instanceof HostKeyMismatchError, String(error));
    assert.equal(error.actual, server.hostKeyFingerprint);
  });
});

Deno.test("names that are paths are refused before anything is sent", async () => {
  await withSftpServer(async (server) => {
    const drop = await openSftpDrop(dropConfig(server));
    try {
      for (const name of ["../etc/passwd", "sub/file", "..", ""]) {
        await assert.rejects(drop.writeFile(name, encode("x")), { code: "invalid_remote_name" });
      }
    } finally {
      await drop.close();
    }
  });
});

Deno.test("a frozen server makes calls fail with a timeout, not hang", async () => {
  await withSftpServer(async (server) => {
    const drop = await openSftpDrop(dropConfig(server));
    try {
      await server.pause();
      await assert.rejects(drop.stat("anything"), TimeoutError);
      // The session is torn down: later calls fail at once instead of queueing.
      await assert.rejects(drop.stat("anything"), /session unusable/);
      // A new connection to the frozen server fails within the connect bound.
      await assert.rejects(openSftpDrop(dropConfig(server)), /handshake|took longer/);
    } finally {
      await server.resume();
      await drop.close();
    }
    const again = await openSftpDrop(dropConfig(server));
    assert.equal(await again.exists("anything"), false);
    await again.close();
  });
});

Deno.test("reports are listed oldest first and archived to processed/", async () => {
  await withSftpServer(async (server) => {
    const outbound = `${server.root}/outbound`;
    await Deno.writeTextFile(`${outbound}/b.xml`, "<b/>");
    await Deno.writeTextFile(`${outbound}/a.xml`, "<a/>");
    // Modification times decide the order, not names.
    await Deno.utime(`${outbound}/b.xml`, 1_000, 1_000);
    await Deno.utime(`${outbound}/a.xml`, 2_000, 2_000);
    const drop = await openSftpDrop(dropConfig(server));
    try {
      assert.deepEqual(await drop.listReports(), ["b.xml", "a.xml"]);
      assert.equal(new TextDecoder().decode((await drop.readReport("a.xml"))!), "<a/>");
      assert.equal(await drop.readReport("gone.xml"), null);
      await drop.archiveReport("a.xml");
      assert.deepEqual(await drop.listReports(), ["b.xml"]);
      assert.equal(await Deno.readTextFile(`${outbound}/processed/a.xml`), "<a/>");
      // The bank drops the same name again: the archived copy stays, the new one goes.
      await Deno.writeTextFile(`${outbound}/a.xml`, "<a again/>");
      await drop.archiveReport("a.xml");
      assert.deepEqual(await drop.listReports(), ["b.xml"]);
      assert.equal(await Deno.readTextFile(`${outbound}/processed/a.xml`), "<a/>");
    } finally {
      await drop.close();
    }
  });
});
