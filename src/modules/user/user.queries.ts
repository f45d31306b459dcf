import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client";
import { one } from "../../db/query";
import { AppError } from "../../lib/errors";
import { meView, type MeRow, type MeView } from "./user.views";

export async function getMe(db: DbOrTx, userId: string): Promise<MeView> {
  const row = await one<MeRow>(db, sql`
    SELECT u.id, u.username, u.email, u.email_verified, u.status, u.created_at, u.last_login_at,
           p.display_name, p.bio, p.age, p.location, p.website, p.visibility, p.follow_approval, p.background_config,
           p.music_config, p.style_config, p.layout_config, s.used_bytes, s.quota_bytes
    FROM users u
    JOIN user_profiles p ON p.user_id = u.id
    JOIN storage_usage s ON s.user_id = u.id
    WHERE u.id = ${userId}`);
  if (!row) throw new AppError("NOT_FOUND");
  return meView(row);
}
