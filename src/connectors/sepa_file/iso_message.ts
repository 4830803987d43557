/**
 * Accepting an ISO 20022 message from a bank: well-formed, of the expected message type
 * (checked by the namespace of its <Document>, whatever prefix the bank uses), with no DOCTYPE.
 * Anything else is a ReportParseError; nothing is read from a file that fails these checks.
 */

import { type X2jOptions, XMLParser, XMLValidator } from "fast-xml-parser";
import { ReportParseError } from "./sepa_errors.ts";
import { XmlNode } from "./xml_node.ts";

const ISO_NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:";

const PREDEFINED: Readonly<Record<string, string>> = Object.freeze({
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
});

function decodeReference(name: string): string {
  if (name in PREDEFINED) return PREDEFINED[name];
  const code = /^#x[0-9a-f]+$/i.test(name)
    ? parseInt(name.slice(2), 16)
    : /^#[0-9]+$/.test(name)
    ? parseInt(name.slice(1), 10)
    : NaN;
  if (!Number.isInteger(code) || code < 1 || code > 0x10ffff) {
    throw new ReportParseError(`not well-formed XML: undefined entity &${name};`);
  }
  return String.fromCodePoint(code);
}

// Without a DOCTYPE, XML has the five predefined entities and character references, and
// nothing else. fast-xml-parser leaves character references undecoded by default, so it gets
// this decoder: one pass, so "&amp;#65;" stays the text "&#65;".
const xmlEntities = {
  decode: (text: string) =>
    text.replace(/&(#?[0-9A-Za-z]+);/g, (_, name: string) => decodeReference(name)),
  setExternalEntities: () => {},
  addInputEntities: () => {},
  reset: () => {},
  setXmlVersion: () => {},
};

const BASE_OPTIONS: X2jOptions = {
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  // Everything stays text: ids like "000123" and amounts like "0.10" must not become numbers.
  parseTagValue: false,
  parseAttributeValue: false,
  entityDecoder: xmlEntities,
};

function fail(message: string): never {
  throw new ReportParseError(message);
}

// A pass of its own: when fast-xml-parser removes namespace prefixes it drops the xmlns
// attributes too, and the namespace is what says which message this is.
function checkRoot(xml: string, messageName: string): void {
  const parsed = new XMLParser(BASE_OPTIONS).parse(xml) as Record<string, unknown>;
  const roots = Object.keys(parsed).filter((key) => key !== "?xml");
  if (roots.length !== 1) fail(`expected one root element, found ${roots.length}`);
  const [prefix, local] = roots[0].includes(":") ? roots[0].split(":", 2) : [undefined, roots[0]];
  if (local !== "Document") fail(`expected a <Document> root element, found <${roots[0]}>`);
  const root = parsed[roots[0]] as Record<string, unknown>;
  const namespace = root[prefix === undefined ? "@_xmlns" : `@_xmlns:${prefix}`];
  if (namespace !== ISO_NAMESPACE + messageName) {
    fail(`expected a ${messageName} message, found namespace ${JSON.stringify(namespace ?? null)}`);
  }
}

/**
 * Parses a bank's ISO 20022 message of type `messageName` (e.g. "pain.002.001.10") and returns
 * its message element (e.g. <CstmrPmtStsRpt>) for reading. Elements named in `repeated` always
 * come back as lists, so one occurrence and several read the same way.
 * @throws ReportParseError if `xml` is not well-formed, has a DOCTYPE, or is another message.
 */
export function parseIsoMessage(
  xml: unknown,
  messageName: string,
  messageElement: string,
  repeated: ReadonlySet<string>,
): XmlNode {
  if (typeof xml !== "string" || xml.trim() === "") fail("the report is empty");
  // Bank messages never carry one, and a DOCTYPE can define entities that expand without limit.
  if (/<!DOCTYPE/i.test(xml)) fail("a DOCTYPE declaration is not accepted");
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    fail(`not well-formed XML: ${msg} (line ${line}, column ${col ?? "?"})`);
  }
  let document: Record<string, unknown> | undefined;
  try {
    checkRoot(xml, messageName);
    document = new XMLParser({
      ...BASE_OPTIONS,
      removeNSPrefix: true,
      isArray: (name, _path, _leaf, isAttribute) => !isAttribute && repeated.has(name),
    }).parse(xml).Document;
  } catch (error) {
    if (error instanceof ReportParseError) throw error;
    fail(`not readable XML: ${(error as Error).message}`);
  }
  const message = document?.[messageElement];
  if (typeof message !== "object" || message === null || Array.isArray(message)) {
    fail(`${messageName}: expected one <${messageElement}> in <Document>`);
  }
  return new XmlNode(message as Record<string, unknown>, messageElement, messageName);
}
