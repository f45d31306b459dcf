// Rate limits with rate-limiter-flexible: on Redis when configured (shared by every process),
// in memory otherwise. Each call consumes a point, so every call inside one tRPC batch counts.
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { Env } from "../env";
import { AppError } from "./errors";
import type { RedisHandle } from "./redis";

export type LimitName = "loginByIp" | "loginByAccount" | "registerByIp" | "mailByTarget" | "reportsByUser" | "mfaByAccount" | "exportsByUser";

/** Second-factor attempts (auth.loginMfa, auth.totp.*) per account per MFA_WINDOW_SECONDS: a 6-digit code is not guessable at this rate. */
export const MFA_ATTEMPTS = 5;
export const MFA_WINDOW_SECONDS = 300;
/** account.export requests per account per day: an archive is a heavy background job. */
export const EXPORTS_PER_DAY = 2;

/**
 * report.create: reports per reporting account per hour (every call counts, a repeated report of
 * the same item too). Fixed rather than an env setting: it protects the moderators' queue, not
 * the server, and a legitimate user rarely files more than a few an hour.
 */
export const REPORTS_PER_HOUR = 20;

export interface RateLimits {
  /** Consumes one point; throws TOO_MANY_REQUESTS (with retryAfterSeconds) when over the limit. */
  consume(name: LimitName, key: string): Promise<void>;
  /** Forgets a key (e.g. an account's failures after a successful login). */
  reset(name: LimitName, key: string): Promise<void>;
}

export function createRateLimits(env: Env, redis: RedisHandle | null): RateLimits {
  const specs: Record<LimitName, { points: number; duration: number }> = {
    loginByIp: { points: env.RATE_LIMIT_LOGIN_PER_IP, duration: env.RATE_LIMIT_LOGIN_WINDOW_SECONDS },
    loginByAccount: { points: env.RATE_LIMIT_LOGIN_PER_ACCOUNT, duration: env.RATE_LIMIT_LOGIN_WINDOW_SECONDS },
    registerByIp: { points: env.RATE_LIMIT_REGISTER_PER_IP, duration: env.RATE_LIMIT_REGISTER_WINDOW_SECONDS },
    mailByTarget: { points: env.RATE_LIMIT_MAIL_PER_TARGET, duration: env.RATE_LIMIT_MAIL_WINDOW_SECONDS },
    reportsByUser: { points: REPORTS_PER_HOUR, duration: 3600 },
    mfaByAccount: { points: MFA_ATTEMPTS, duration: MFA_WINDOW_SECONDS },
    exportsByUser: { points: EXPORTS_PER_DAY, duration: 86_400 },
  };
  const limiters = {} as Record<LimitName, RateLimiterAbstract>;
  const insurance = {} as Record<LimitName, RateLimiterMemory>;
  // RateLimiterRedis touches one key per call (a one-key Lua script, or MULTI on that key), so it
  // runs unchanged on a Redis Cluster client: tests/lib/redis-cluster.test.ts checks it there.
  for (const [name, spec] of Object.entries(specs) as [LimitName, { points: number; duration: number }][]) {
    const keyPrefix = `${redis?.prefix ?? "vrss:"}rl:${name}`;
    insurance[name] = new RateLimiterMemory({ keyPrefix, ...spec });
    limiters[name] = redis ? new BreakerAwareRedisLimiter(redis, { storeClient: redis.client, keyPrefix, ...spec, insuranceLimiter: insurance[name] }) : insurance[name];
  }
  // Redis unavailable (the handle's breaker is open): straight to the in-memory limiter, no Redis
  // round trip at all. While Redis answers, a failing call (REDIS_COMMAND_TIMEOUT_MS at most) falls
  // back to the same in-memory limiter (insuranceLimiter) and opens the breaker. Limits are then per
  // process, counted from the outage on: an attacker gets at most one window per process extra.
  const pick = (name: LimitName) => (redis && !redis.available() ? insurance[name] : limiters[name]);
  return {
    async consume(name, key) {
      try {
        await pick(name).consume(key);
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) {
          const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
          throw new AppError("TOO_MANY_REQUESTS", `Too many attempts; retry in ${retryAfterSeconds} s`, {
            appCode: "RATE_LIMITED",
            details: { retryAfterSeconds },
          });
        }
        throw rejection;
      }
    },
    async reset(name, key) {
      // Both stores: points counted in memory during an outage are forgotten too.
      await insurance[name].delete(key);
      if (redis && redis.available()) await limiters[name].delete(key).catch(() => {});
    },
  };
}

/** RateLimiterRedis that reports a failed Redis call to the handle's circuit breaker. */
class BreakerAwareRedisLimiter extends RateLimiterRedis {
  constructor(private redis: RedisHandle, opts: ConstructorParameters<typeof RateLimiterRedis>[0]) {
    super(opts);
  }
  // rate-limiter-flexible's hook for a store error (before it falls back to insuranceLimiter).
  _handleError(err: unknown, funcName: string, resolve: unknown, reject: unknown, params: unknown): unknown {
    if (!(err instanceof RateLimiterRes)) this.redis.reportFailure(err);
    const parent = (RateLimiterRedis.prototype as unknown as { _handleError: (...args: unknown[]) => unknown })._handleError;
    return parent.call(this, err, funcName, resolve, reject, params);
  }
}
