// Moved to automation/jobClient/ (host-side code, not part of the job image). Kept only until the
// live tests (test/live, owned by the lead) import it from there; then delete this folder.
export { DockerodeExec } from '../../jobClient/dockerodeExec';
