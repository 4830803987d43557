/**
 * Reading a parsed bank message (fast-xml-parser's plain object tree, namespace prefixes
 * removed, every value text) with errors that say where: a missing or malformed element
 * becomes a ReportParseError naming its path, never a TypeError deep in a caller.
 */

import { ReportParseError } from "./sepa_errors.ts";

type Tree = { readonly [name: string]: unknown };

function isTree(value: unknown): value is Tree {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An element of a parsed message together with its path, for error messages. */
export class XmlNode {
  /**
   * @param tree the element's content as fast-xml-parser gives it
   * @param path where the element is, e.g. "CstmrPmtStsRpt/OrgnlPmtInfAndSts[0]"
   * @param message the message type, e.g. "pain.002.001.10", that errors start with
   */
  constructor(readonly tree: Tree, readonly path: string, readonly message: string) {}

  /** An error about this element. */
  error(problem: string): ReportParseError {
    return new ReportParseError(`${this.message}: ${problem} in ${this.path}`);
  }

  private node(value: unknown, path: string): XmlNode {
    // An empty element (<Rsn/>) parses as "": it is there, with nothing in it.
    return new XmlNode(isTree(value) ? value : { "#text": value }, path, this.message);
  }

  /** The child elements named `name` (none, one or more), in document order. */
  children(name: string): XmlNode[] {
    const value = this.tree[name];
    if (value === undefined) return [];
    const list = Array.isArray(value) ? value : [value];
    return list.map((item, i) => this.node(item, `${this.path}/${name}[${i}]`));
  }

  /** The child element `name` if present. @throws ReportParseError if it repeats. */
  optionalChild(name: string): XmlNode | undefined {
    const found = this.children(name);
    if (found.length > 1) throw this.error(`more than one <${name}>`);
    return found.length === 1 ? this.node(this.tree[name], `${this.path}/${name}`) : undefined;
  }

  /** The child element `name`. @throws ReportParseError if it is missing or repeats. */
  child(name: string): XmlNode {
    const found = this.optionalChild(name);
    if (found === undefined) throw this.error(`missing <${name}>`);
    return found;
  }

  /** This element's text, trimmed; "" if it has none. @throws if it has child elements. */
  ownText(): string {
    const text = this.tree["#text"] ?? "";
    const elements = Object.keys(this.tree).filter((key) =>
      key !== "#text" && !key.startsWith("@_")
    );
    if (elements.length > 0 || typeof text !== "string") {
      throw this.error(`expected text, found <${elements[0]}>`);
    }
    return text.trim();
  }

  /** The text of child `name`, if present and not empty. */
  optionalText(name: string): string | undefined {
    const text = this.optionalChild(name)?.ownText();
    return text === "" ? undefined : text;
  }

  /** The text of child `name`. @throws ReportParseError if it is missing or empty. */
  text(name: string): string {
    const text = this.optionalText(name);
    if (text === undefined) throw this.error(`missing or empty <${name}>`);
    return text;
  }

  /** The value of this element's attribute `name`, if present. */
  attribute(name: string): string | undefined {
    const value = this.tree[`@_${name}`];
    return typeof value === "string" ? value : undefined;
  }
}
