// Download URLs of export archives: a presigned GET (DOWNLOAD_URL_SECONDS) on the media store's
// bucket, handed only to the archive's owner by account.exports. Archives are never public: GET
// /media serves only the upload layout (users/<id>/posts|profile/…), and the key carries 128 random
// bits, so a CDN in front of the bucket cannot be walked to one either.
import type { Env } from "../../env";
import type { MediaStore } from "../../lib/s3";

/** A presigned GET of one object of the media store, valid for `expiresInSeconds`. */
export async function presignDownload(
  deps: { env: Env; media: MediaStore },
  key: string,
  expiresInSeconds: number,
  opts: { fileName: string; contentType: string },
): Promise<string> {
  return deps.media.presignGet(key, expiresInSeconds, opts);
}
