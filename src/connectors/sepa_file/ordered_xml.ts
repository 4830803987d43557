/**
 * Editing an XML document in place, keeping element order (which the ISO 20022 schemas
 * prescribe), on fast-xml-parser's `preserveOrder` tree: every element is an object with one
 * key, its tag, holding its child list, and ":@" holding its attributes; text is `{ "#text" }`.
 * Used to set exact values in what the sepa library generated.
 */

import { XMLBuilder, XMLParser } from "fast-xml-parser";

/** One element or text node of a `preserveOrder` tree. */
export type OrderedNode = Record<string, unknown>;

const OPTIONS = {
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  // Values stay text: "0.10" must not become 0.1, nor "00123" 123.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
} as const;

/** Parses trusted, well-formed XML (our own generator's output) into an ordered tree. */
export function parseOrdered(xml: string): OrderedNode[] {
  return new XMLParser(OPTIONS).parse(xml) as OrderedNode[];
}

/** Serializes an ordered tree back to XML, escaping text and attribute values. */
export function buildOrdered(nodes: OrderedNode[]): string {
  return new XMLBuilder(OPTIONS).build(nodes) as string;
}

function tagOf(node: OrderedNode): string | undefined {
  return Object.keys(node).find((key) => key !== ":@" && key !== "#text");
}

/** The child nodes of `node` (element or text), in document order. */
export function childrenOf(node: OrderedNode): OrderedNode[] {
  const tag = tagOf(node);
  return tag === undefined ? [] : node[tag] as OrderedNode[];
}

/** The child elements of `parent` named `tag`, in document order. */
export function childElements(parent: OrderedNode, tag: string): OrderedNode[] {
  return childrenOf(parent).filter((child) => tagOf(child) === tag);
}

/**
 * The element reached from `parent` by `path`, each step the only child of that name.
 * @throws Error if a step is missing or ambiguous: the generator's output is not what we know.
 */
export function onlyElement(parent: OrderedNode, ...path: string[]): OrderedNode {
  let node = parent;
  for (const tag of path) {
    const found = childElements(node, tag);
    if (found.length !== 1) {
      throw new Error(`expected one <${tag}> in <${tagOf(node)}>, found ${found.length}`);
    }
    node = found[0];
  }
  return node;
}

/** Replaces the content of the element at `path` below `parent` with `text`. */
export function setText(parent: OrderedNode, path: string[], text: string): void {
  const element = onlyElement(parent, ...path);
  element[tagOf(element)!] = [{ "#text": text }];
}

/** Removes every child element of `parent` named `tag`. */
export function removeElements(parent: OrderedNode, tag: string): void {
  const name = tagOf(parent)!;
  parent[name] = childrenOf(parent).filter((child) => tagOf(child) !== tag);
}

/** The text content of the element at `path` below `parent` ("" if it has none). */
export function textAt(parent: OrderedNode, path: string[]): string {
  return childrenOf(onlyElement(parent, ...path))
    .map((child) => typeof child["#text"] === "string" ? child["#text"] : "")
    .join("");
}

/** The value of attribute `name` of `element`, if it has one. */
export function attributeOf(element: OrderedNode, name: string): string | undefined {
  const attributes = element[":@"] as Record<string, string> | undefined;
  return attributes?.[`@_${name}`];
}

/** The root element named `tag` of a parsed document. */
export function rootElement(tree: OrderedNode[], tag: string): OrderedNode {
  const root = tree.find((node) => tagOf(node) === tag);
  if (root === undefined) throw new Error(`expected a <${tag}> root element`);
  return root;
}
