import pino from "pino";
import { env } from "../env";

export type Logger = pino.Logger;

export const logger: Logger = pino({
  level: env.NODE_ENV === "test" && env.LOG_LEVEL === "info" ? "warn" : env.LOG_LEVEL,
  base: { service: "vrss" },
  redact: { paths: ["req.headers.authorization", "req.headers.cookie", "password", "*.password"], remove: true },
});
