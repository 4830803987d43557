import type postgres from "postgres";

/** A postgres.js client or an open transaction on one: repositories accept either. */
export type Db = postgres.Sql | postgres.TransactionSql;

/** A client that can open transactions (services and runners that own them). */
export type Pool = postgres.Sql;
