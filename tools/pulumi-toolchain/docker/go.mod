// Wrapper main module for pulumi-resource-docker at the @pulumi/docker version that package.json pins.
// Upstream's go.mod replaces terraform-provider-docker with ../upstream (a git submodule of
// kreuzwerker's provider, so absent from module zips) and terraform-plugin-sdk/v2 with Pulumi's fork.
// kreuzwerker's module declares the old terraform-providers path, which Go accepts as the
// replacement. v0.0.0-20260916201441-96d331c98ff4 is the only version of it the proxy serves;
// whether it is the commit the v5.2.0 submodule pinned, and which fork version v5.2.0 replaces
// terraform-plugin-sdk/v2 with, could not be read: the proxy refuses provider/v5@v5.2.0 and its
// go.mod. Not buildable yet, so there is no go.sum (`--tidy docker` writes it once it is served,
// after the fork's replace line is copied from that go.mod).
module imstack.local/tools/pulumi-toolchain/docker

go 1.25.11

replace github.com/terraform-providers/terraform-provider-docker => github.com/kreuzwerker/terraform-provider-docker v0.0.0-20260916201441-96d331c98ff4

tool github.com/pulumi/pulumi-docker/provider/v5/cmd/pulumi-resource-docker

require github.com/pulumi/pulumi-docker/provider/v5 v5.2.0
