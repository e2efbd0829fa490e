// Moved: the job client is automation/jobClient/, the paths are the contract's. Kept only until
// the live tests (test/live, owned by the lead) import from there; then delete this folder.
export { BACKUPS_DIR, JOB_MAIN } from '../contract';
