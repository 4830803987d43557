import assert from "node:assert/strict";
import { parseCamt054 } from "../../src/connectors/sepa_file/camt054.ts";
import { parsePain002 } from "../../src/connectors/sepa_file/pain002.ts";
import {
  fileRejection,
  returnNotification,
  statusReport,
} from "../../scripts/bank/bank_answers.ts";
import type { ReceivedPain001 } from "../../scripts/bank/pain001_reader.ts";
import { DEFAULT_DIR, formatEnv, parseArgs } from "../../scripts/bank.ts";

const NOW = new Date("2026-03-02T09:00:00.000Z");

function received(ibans: string[]): ReceivedPain001 {
  return {
    msgId: "a".repeat(32),
    pmtInfId: "b".repeat(32),
    debtorIban: "DE87123456781234567890",
    payments: ibans.map((iban, i) => ({
      endToEndId: `e2e${i}`,
      amount: `${i + 1}.05`,
      currency: "EUR",
      iban,
      name: `Creditor ${i}`,
    })),
  };
}

Deno.test("a file the rules let through is accepted transaction by transaction (ACSC)", () => {
  const answer = statusReport(received(["DE1", "FR2"]), {}, NOW);
  const report = parsePain002(answer.xml);
  assert.equal(report.originalMessageId, "a".repeat(32));
  assert.equal(report.groupStatus, "ACSC");
  assert.deepEqual(report.transactions.map((tx) => [tx.originalEndToEndId, tx.status]), [
    ["e2e0", "ACSC"],
    ["e2e1", "ACSC"],
  ]);
  assert.deepEqual(answer.toReturn, []);
});

Deno.test("IBANs matching the reject pattern are RJCT AC01, the others ACSC, the file PART", () => {
  const answer = statusReport(received(["DE1", "FR2", "FR3"]), { rejectIban: /^FR/g }, NOW);
  const report = parsePain002(answer.xml);
  assert.equal(report.groupStatus, "PART");
  assert.deepEqual(
    report.transactions.map((tx) => [tx.originalEndToEndId, tx.status, tx.reasonCode]),
    [["e2e0", "ACSC", undefined], ["e2e1", "RJCT", "AC01"], ["e2e2", "RJCT", "AC01"]],
  );
  assert.equal(report.transactions[1].additionalInfo, "incorrect account number");
  assert.equal(report.transactions[1].originalPaymentInfoId, "b".repeat(32));
});

Deno.test("a file whose every IBAN is rejected is RJCT as a whole, each with its own AC01", () => {
  const report = parsePain002(statusReport(received(["FR1"]), { rejectIban: /FR/ }, NOW).xml);
  assert.equal(report.groupStatus, "RJCT");
  assert.equal(report.transactions[0].reasonCode, "AC01");
});

Deno.test("only accepted transfers to return-pattern IBANs come back, as AC04 in a camt.054", () => {
  const file = received(["DE-reject-1", "DE-return-2", "DE-both-3", "DE-4"]);
  const answer = statusReport(file, { rejectIban: /reject|both/, returnIban: /return|both/ }, NOW);
  assert.deepEqual(answer.toReturn.map((payment) => payment.endToEndId), ["e2e1"]);
  const camt = parseCamt054(returnNotification({
    msgId: file.msgId,
    pmtInfId: file.pmtInfId,
    debtorIban: file.debtorIban,
    payments: answer.toReturn,
  }, NOW));
  assert.deepEqual(camt.returns, [{
    originalEndToEndId: "e2e1",
    amountMinor: 205n,
    currency: "EUR",
    reasonCode: "AC04",
    additionalInfo: "account closed",
    bookingDate: "2026-03-02",
  }]);
});

Deno.test("an unreadable file is rejected at group level with its reason and a short line", () => {
  const report = parsePain002(fileRejection("MSG-1", "FF01", "x".repeat(300), NOW));
  assert.equal(report.originalMessageId, "MSG-1");
  assert.equal(report.groupStatus, "RJCT");
  assert.equal(report.groupReasonCode, "FF01");
  assert.ok(report.groupAdditionalInfo!.startsWith("invalid file format: xxx"));
  assert.ok(report.groupAdditionalInfo!.length <= 105);
  assert.deepEqual(report.transactions, []);
});

Deno.test("the bank's flags: defaults, both spellings, and one line for each mistake", () => {
  assert.deepEqual(parseArgs([]), {
    port: 2222,
    returnAfterMs: 10_000,
    dir: DEFAULT_DIR,
    pollMs: 500,
  });
  const args = parseArgs([
    "--port=2300",
    "--reject-iban",
    "^FR",
    "--return-iban=00$",
    "--return-after-ms",
    "0",
    "--dir",
    "/run/x",
  ]);
  assert.ok(typeof args === "object");
  assert.equal(args.port, 2300);
  assert.equal(args.rejectIban?.source, "^FR");
  assert.equal(args.returnIban?.source, "00$");
  assert.equal(args.returnAfterMs, 0);
  assert.equal(args.dir, "/run/x");
  assert.equal(parseArgs(["--help"]), "help");
  for (
    const [argv, message] of [
      [["--bogus"], /^unknown argument: --bogus/],
      [["--port", "0"], /^--port needs a whole number from 1 to 65535/],
      [["--port", "22x"], /^--port needs a whole number/],
      [["--reject-iban", "("], /^--reject-iban needs a regular expression/],
      [["--return-after-ms"], /^--return-after-ms needs a value/],
      [["--dir", "relative"], /^--dir needs an absolute path/],
    ] as const
  ) {
    const complaint = parseArgs([...argv]);
    assert.equal(typeof complaint, "string");
    assert.match(complaint as string, message);
    assert.ok(!(complaint as string).includes("\n"));
  }
});

Deno.test("the printed environment quotes only what the shell would split", () => {
  assert.equal(
    formatEnv([["A", "127.0.0.1"], ["B", "SHA256:ab+/c"], ["C", "Payouts Dev"], ["D", "it's"]]),
    `A=127.0.0.1 B=SHA256:ab+/c C='Payouts Dev' D='it'\\''s'`,
  );
});
