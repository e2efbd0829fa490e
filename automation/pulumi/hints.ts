// How to get the Pulumi CLI, shown wherever its absence is reported.
export const INSTALL_HINT =
  'install it: curl -fsSL https://get.pulumi.com | sh (then open a new shell), or run `imctl doctor --install-pulumi`; see https://www.pulumi.com/docs/install/';
