// Wrapper main module for pulumi-language-nodejs at the @pulumi/pulumi version that package.json pins.
// The module has no tags of its own: it is required at the pseudo-version of the commit that the
// v3.248.0 tag names (a88168d865b7, committed 2026-06-24T12:07:34Z); scripts/pulumi-toolchain.sh
// derives the same string from the tag. Upstream's go.mod replaces pkg/v3 and sdk/v3 with
// ../../../../pkg and ../../.. of that commit; here they are the v3.248.0 modules instead.
// Not buildable yet: the proxy refuses every version of the module, so there is no go.sum
// (`sh scripts/pulumi-toolchain.sh --tidy language-nodejs` writes it once the module is served).
module imstack.local/tools/pulumi-toolchain/language-nodejs

go 1.25.11

// Repeated from pkg/v3 v3.248.0's go.mod (the language host links pkg/v3).
replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e

tool github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3

require (
	github.com/pulumi/pulumi/pkg/v3 v3.248.0
	github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 v3.0.0-20260624120734-a88168d865b7
	github.com/pulumi/pulumi/sdk/v3 v3.248.0
)
