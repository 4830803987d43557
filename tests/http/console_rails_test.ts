/**
 * The operator console shows how a payout was paid: its connector, the SEPA file its
 * transfer went in, and what came back (returned payouts, with the bank's reason).
 */
import assert from "node:assert/strict";
import { withConsoleApp } from "../helpers/console_app.ts";

Deno.test("the console shows a SEPA payout's connector and bank file, and lists returned payouts", () =>
  withConsoleApp(async (t) => {
    const operator = await t.createKey();
    const actor = { name: `api:${operator.name}`, apiKeyId: operator.id };
    const returned = await t.payouts.create({
      amount: "12.00",
      currency: "EUR",
      recipient_details: { account: "DE89370400440532013000", name: "Ada Lovelace" },
    }, actor);
    const other = await t.payouts.create({
      amount: "3.00",
      currency: "EUR",
      recipient_details: { account: "PLAIN-1" },
    }, actor);
    // As the SEPA rail leaves a transfer that went out in a file and came back.
    const fileId = crypto.randomUUID();
    const xml = `<Document>${fileId}</Document>`;
    await t.db.sql`
      insert into sepa_files (id, name, msg_id, xml, sha256, payments_count, ctrl_sum, status,
        uploaded_at)
      values (${fileId}, ${`sct_${fileId}.xml`}, ${fileId.replaceAll("-", "")}, ${xml},
        encode(sha256(convert_to(${xml}, 'UTF8')), 'hex'), 1, 12.00, 'uploaded',
        clock_timestamp())
    `;
    await t.db.sql`
      insert into sepa_payments (payout_id, end_to_end_id, amount, iban, name, file_id)
      values (${returned.id}, ${returned.id.replaceAll("-", "")}, 12.00,
        'DE89370400440532013000', 'Ada Lovelace', ${fileId})
    `;
    await t.db.sql`
      update payouts set status = 'returned', connector = 'sepa_file', recipient_type = 'sepa',
        sepa_file_id = ${fileId}, return_reason = 'AC04 (closed account): account closed',
        version = version + 1
      where id = ${returned.id}
    `;
    const browser = await t.signedIn(operator.key);

    const page = await (await browser.fetch(`/console/payouts/${returned.id}`)).text();
    assert.match(page, /sepa_file/, "the connector");
    assert.match(page, new RegExp(`sct_${fileId}\\.xml`), "the file's name");
    assert.match(page, new RegExp(`MsgId ${fileId.replaceAll("-", "")}`), "its MsgId");
    assert.match(page, /uploaded /, "and that it was uploaded");
    assert.match(page, /AC04 \(closed account\): account closed/, "the return reason");
    assert.match(page, /status-returned/, "the returned badge");

    const plain = await (await browser.fetch(`/console/payouts/${other.id}`)).text();
    assert.doesNotMatch(plain, /bank file/, "a payout in no file shows none");

    const list = await (await browser.fetch("/console/payouts?status=returned")).text();
    assert.match(list, new RegExp(returned.id));
    assert.doesNotMatch(list, new RegExp(other.id));
  }));
