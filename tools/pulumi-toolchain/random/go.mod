// Wrapper main module for pulumi-resource-random at the @pulumi/random version that package.json pins.
// Upstream's go.mod replaces github.com/terraform-providers/terraform-provider-random/shim with
// ./shim, a nested module that module zips leave out and that no proxy path serves (its declared
// path lives in another repository); that replace has to point at a shim of our own in this
// directory. Not buildable yet: the proxy refuses every version of provider/v4, so the shim's
// needs and the rest of upstream's replace lines could not be read, and there is no go.sum.
module imstack.local/tools/pulumi-toolchain/random

go 1.25.11

tool github.com/pulumi/pulumi-random/provider/v4/cmd/pulumi-resource-random

require github.com/pulumi/pulumi-random/provider/v4 v4.21.2
