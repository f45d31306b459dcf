// account.*: the account as a whole (issue 19: the export archive). Filled by the export work.
import { router } from "../../trpc/init";

export const accountRouter = router({});
