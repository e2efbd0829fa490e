// Must equal basePath in next.config.mjs. next/navigation's redirect() adds it by itself;
// plain form actions, Location headers and cookie paths need it spelled out.
export const BASE_PATH = '/next';
