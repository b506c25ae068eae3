// Moved to src/storage (issue 10). Kept one merge round for branches written against the old path.
export { migrate, type Migration } from "../storage";
