/**
 * Writing ISO 20022 messages for the test bank with fast-xml-parser's XMLBuilder. Element
 * order is the order of the object's keys, so builders list them in schema order.
 */

import { XMLBuilder } from "fast-xml-parser";

/** Content of an element: text, child elements (undefined ones are left out), or a list. */
export type XmlContent = string | { [name: string]: XmlContent | XmlContent[] | undefined };

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  suppressEmptyNode: false,
});

/**
 * A complete document: XML declaration and `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:
 * <messageName>">` around `messageElement`.
 */
export function buildIsoMessage(
  messageName: string,
  messageElement: string,
  content: XmlContent,
): string {
  return builder.build({
    "?xml": { "@_version": "1.0", "@_encoding": "UTF-8" },
    Document: {
      "@_xmlns": `urn:iso:std:iso:20022:tech:xsd:${messageName}`,
      [messageElement]: content,
    },
  });
}

/** An amount element with its currency: `<Amt Ccy="EUR">12.50</Amt>`. */
export function amountElement(amount: string, currency: string): XmlContent {
  return { "#text": amount, "@_Ccy": currency };
}
