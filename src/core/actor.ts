/** Who is acting. Services authorize against this, never against HTTP details. */
export type Actor =
  | { kind: 'user'; userId: string; email: string; isAdmin: boolean; via: 'session' | 'token' | 'cli' }
  | { kind: 'system'; name: string }
  | { kind: 'anonymous' };

export const SYSTEM: Actor = { kind: 'system', name: 'ballast' };
export const ANONYMOUS: Actor = { kind: 'anonymous' };

export function actorLabel(a: Actor): string {
  switch (a.kind) {
    case 'user':
      return a.email;
    case 'system':
      return `system:${a.name}`;
    case 'anonymous':
      return 'anonymous';
  }
}

export function actorUserId(a: Actor): string | null {
  return a.kind === 'user' ? a.userId : null;
}

/** System actors (engine, local CLI bootstrap) are trusted like admins. */
export function isPrivileged(a: Actor): boolean {
  return a.kind === 'system' || (a.kind === 'user' && a.isAdmin);
}
