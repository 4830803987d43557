/** The operator console shows a payout made by recipient_id with its account masked. */
import assert from "node:assert/strict";
import { withConsoleApp } from "../helpers/console_app.ts";

Deno.test("the console masks the copied account of a payout made by recipient_id", () =>
  withConsoleApp(async (t) => {
    const operator = await t.createKey();
    const inline = await t.payouts.create({
      amount: "10.00",
      currency: "EUR",
      recipient_details: { account: "INLINE-ACCOUNT-77" },
    }, { name: `api:${operator.name}`, apiKeyId: operator.id });
    const byRecipient = await t.payouts.create({
      amount: "12.00",
      currency: "EUR",
      recipient_details: { account: "DE89370400440532013000", name: "Ada Lovelace" },
    }, { name: `api:${operator.name}`, apiKeyId: operator.id });
    // As a payout by recipient_id is stored: the copy, and the recipient it came from.
    const recipientId = crypto.randomUUID();
    await t.db.sql`
      insert into recipients (id, name, type, currency, account)
      values (${recipientId}, 'Ada Lovelace', 'sepa', 'EUR',
        ${t.db.sql.json({ iban: "DE89370400440532013000" })})
    `;
    await t.db.sql`
      update payouts set recipient_id = ${recipientId}, recipient_type = 'sepa'
      where id = ${byRecipient.id}
    `;
    const browser = await t.signedIn(operator.key);
    const list = await (await browser.fetch("/console/payouts")).text();
    assert.match(list, /INLINE-ACCOUNT-77/, "inline details as given");
    assert.match(list, /•••• 3000/);
    assert.doesNotMatch(list, /DE89370400440532013000/);
    const page = await (await browser.fetch(`/console/payouts/${byRecipient.id}`)).text();
    assert.match(page, /•••• 3000/);
    assert.match(page, /Ada Lovelace/);
    assert.match(page, new RegExp(recipientId));
    assert.doesNotMatch(page, /DE89370400440532013000/);
    const own = await (await browser.fetch(`/console/payouts/${inline.id}`)).text();
    assert.match(own, /INLINE-ACCOUNT-77/);
  }));
