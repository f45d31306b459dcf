// poll.*: voting (issue 19). Filled by the poll work.
import { router } from "../../trpc/init";

export const pollRouter = router({});
