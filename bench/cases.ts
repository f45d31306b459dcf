// Benchmark cases contributed by later features (media/storage, messages). Each is measured
// through HTTP like the feed cases, and may add a query plan to bench/results.md.
import type postgres from "postgres";
import type { Db } from "../src/db/client";

export interface BenchContext {
  rpc(path: string, input: unknown, token?: string, method?: "GET" | "POST"): Promise<any>;
  viewers: Record<string, { id: string; token: string }>;
  sql: postgres.Sql;
}

export const extraCases: { name: string; target?: string; run(ctx: BenchContext): Promise<unknown> }[] = [];
export const extraExplains: { name: string; run(ctx: { db: Db; viewers: BenchContext["viewers"]; sql: postgres.Sql }): Promise<unknown> }[] = [];
