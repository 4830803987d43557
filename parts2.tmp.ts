import process from "node:process";
const [ra, da, rb, db] = Deno.args;
async function load(root: string, dbName: string) {
  const { createSql } = await import(`${root}/src/db/client.ts`);
  const repo = await import(`${root}/src/payouts/payouts.repository.ts`);
  const pres = await import(`${root}/src/payouts/payouts.presenter.ts`);
  const sql = createSql(`postgres://postgres@127.0.0.1:5432/${dbName}`, { max: 1, applicationName: "mb", prepare: true });
  const q = { limit: 20, after: null, status: null, currency: null, scheduled: null };
  const list = repo.listShownPayouts ?? repo.listPayouts;
  const page = await list(sql, q);
  return { sql, list: () => list(sql, q), present: () => JSON.stringify({ results: page.payouts.map(pres.presentPayout), next_cursor: null }) };
}
const A = await load(ra, da), B = await load(rb, db);
const cpu = async (n: number, f: () => unknown) => {
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / n;
};
for (const s of [A, B, A, B]) { await cpu(1000, s.list); await cpu(5000, s.present); }
const r1: number[] = [], r2: number[] = [];
for (let r = 0; r < 10; r++) {
  const order = r % 2 ? [A, B] : [B, A];
  const res = new Map();
  for (const s of order) res.set(s, [await cpu(1500, s.list), await cpu(8000, s.present)]);
  const [la, pa] = res.get(A), [lb, pb] = res.get(B);
  r1.push(lb / la); r2.push(pb / pa);
  console.log(`list A ${la.toFixed(1)} B ${lb.toFixed(1)}  present+json A ${pa.toFixed(1)} B ${pb.toFixed(1)}`);
}
const med = (x: number[]) => x.sort((a, b) => a - b)[x.length >> 1].toFixed(3);
console.log("median B/A list", med(r1), "present+json", med(r2));
await A.sql.end(); await B.sql.end();
