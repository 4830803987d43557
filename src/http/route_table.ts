/**
 * What the API's route table implies for the middleware in front of its routes: the
 * methods each path serves (any other is a 405 with `Allow`), the scope each request
 * needs, and the requests whose body may be left out. Path patterns come from the routes'
 * OpenAPI paths (`/things/{id}`).
 */
import type { RouteConfig } from "@hono/zod-openapi";
import type { Scope } from "../apikeys/scopes.ts";
import type { PathMethods } from "./method_guard.ts";

/** What the table reads of a route: an ApiRoute, or a public one such as `/schema`. */
export interface RouteEntry {
  method: string;
  /** Below the API prefix, in OpenAPI syntax: `/things/{id}`. */
  path: string;
  /** The scope an API key needs; none for a public route. */
  scope?: Scope;
  /** `body.required: false`: the body may be left out (none, or `{}`). */
  request?: RouteConfig["request"];
}

export interface RouteTable {
  /** Each path pattern with the methods its routes serve, for methodGuard. */
  pathMethods: PathMethods[];
  /**
   * The scope a request needs, from its path (prefix and trailing slash removed) and
   * method; undefined where no scope guards it. A route's own scope, for HEAD its GET's. A
   * method a path does not serve (a 405 follows) needs what the path's routes need, when
   * they all need one scope of their own (approving a payout); otherwise, like a path below
   * a collection that no route serves (a 404 follows), what reading (GET, HEAD) or writing
   * (any other method) the collection needs: the scope of its GET or of its POST.
   */
  scopeFor(path: string, method: string): Scope | undefined;
  /** Whether a request with this method and path (as for scopeFor) may leave its body out. */
  bodyOptional(method: string, path: string): boolean;
}

/** Allow lists methods in this order (HEAD, which every GET implies, is methodGuard's). */
const METHOD_ORDER = ["GET", "POST", "PUT", "PATCH", "DELETE"];

interface Row {
  pattern: RegExp;
  routes: Map<string, RouteEntry>;
  /** The one scope of every route here, if it is neither its collection's read nor write. */
  ownScope?: Scope;
}

interface Collection {
  rows: Row[];
  read?: Scope;
  write?: Scope;
}

/** Derives the middleware's tables from every route of the API. */
export function routeTable(entries: readonly RouteEntry[]): RouteTable {
  const rows = new Map<string, Row>();
  for (const entry of entries) {
    const pattern = pathPattern(entry.path);
    const row = rows.get(pattern.source) ?? { pattern, routes: new Map() };
    const method = entry.method.toUpperCase();
    if (row.routes.has(method)) throw new Error(`two routes for ${method} ${entry.path}`);
    row.routes.set(method, entry);
    rows.set(pattern.source, row);
  }

  const collections = new Map<string, Collection>();
  for (const row of rows.values()) {
    const [first] = row.routes.values();
    const name = collectionOf(first.path);
    const collection = collections.get(name) ?? { rows: [] };
    collection.rows.push(row);
    if (first.path === `/${name}`) {
      collection.read = row.routes.get("GET")?.scope;
      collection.write = row.routes.get("POST")?.scope;
    }
    collections.set(name, collection);
  }
  for (const collection of collections.values()) {
    for (const row of collection.rows) {
      const scopes = new Set([...row.routes.values()].map((route) => route.scope));
      const [only] = scopes;
      if (scopes.size === 1 && only && only !== collection.read && only !== collection.write) {
        row.ownScope = only;
      }
    }
  }

  const optional = new Map<string, RegExp[]>();
  for (const row of rows.values()) {
    for (const [method, route] of row.routes) {
      if (route.request?.body?.required === false) {
        optional.set(method, [...(optional.get(method) ?? []), row.pattern]);
      }
    }
  }
  const optionalBodies = new Map(
    [...optional].map(([method, patterns]) => [method, anyOf(patterns)]),
  );

  return {
    pathMethods: [...rows.values()].map((row) => ({
      pattern: row.pattern,
      methods: [...row.routes.keys()].sort((a, b) => rank(a) - rank(b)),
    })),
    scopeFor(path, method) {
      const collection = collections.get(collectionOf(path));
      if (!collection) return undefined;
      const row = collection.rows.find((candidate) => candidate.pattern.test(path));
      const reading = method === "GET" || method === "HEAD";
      const route = row?.routes.get(method) ??
        (method === "HEAD" ? row?.routes.get("GET") : undefined);
      if (route) return route.scope;
      if (row?.ownScope) return row.ownScope;
      return reading ? collection.read : collection.write;
    },
    bodyOptional(method, path) {
      return optionalBodies.get(method)?.test(path) ?? false;
    },
  };
}

/** `/things/{id}/events` → a RegExp matching `/things/<any one segment>/events`. */
export function pathPattern(path: string): RegExp {
  const source = path.split(/(\{[^}/]+\})/)
    .map((part) => /^\{.+\}$/.test(part) ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&"))
    .join("");
  return new RegExp(`^${source}$`);
}

/** The path with any `/api` or `/api/v1` prefix and trailing slashes removed. */
export function routePath(requestPath: string): string {
  return requestPath.replace(/^\/api(\/v1)?/, "").replace(/\/+$/, "");
}

/** `things` for `/things`, `/things/{id}` or `/things/abc/events`. */
function collectionOf(path: string): string {
  const end = path.indexOf("/", 1);
  return end === -1 ? path.slice(1) : path.slice(1, end);
}

function anyOf(patterns: RegExp[]): RegExp {
  return new RegExp(patterns.map((pattern) => `(?:${pattern.source})`).join("|"));
}

function rank(method: string): number {
  const index = METHOD_ORDER.indexOf(method);
  return index === -1 ? METHOD_ORDER.length : index;
}
