// Typed stack configuration: the types, parseConfig (pure, one ConfigError listing every
// problem) and the value checks; components/config/* holds one section each.
export * from "./types";
export { DEFAULT_IMAGES } from "./defaults";
export { BUCKET_NAME } from "./reader";
export { environmentFromStack, isCron, isTimezone } from "./rules";
export { parseConfig, rawFromAllConfig } from "./parse";
