/** An unsigned JWT-shaped token with the given expiry; the client never verifies signatures. */
export function fakeJwt(expSeconds: number, sub = 'u1'): string {
  const enc = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc({ sub, exp: expSeconds })}.sig`;
}
