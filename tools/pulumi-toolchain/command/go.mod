// Wrapper main module for pulumi-resource-command at the @pulumi/command version that package.json
// pins. Upstream's go.mod has no replace lines; the wrapper exists so that go.sum pins the whole
// module graph like the others. provider/ has no tags of its own (the proxy answers 404 for
// v1.2.1), so it is required at the pseudo-version of the commit the v1.2.1 tag names
// (7f3eb6f3b77c, 2026-03-03T23:59:22Z). Not buildable yet: the proxy refuses that version and
// every other one of the module, so there is no go.sum.
module imstack.local/tools/pulumi-toolchain/command

go 1.25.11

tool github.com/pulumi/pulumi-command/provider/cmd/pulumi-resource-command

require github.com/pulumi/pulumi-command/provider v0.0.0-20260303235922-7f3eb6f3b77c
